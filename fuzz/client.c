/* libFuzzer target: the client state machine driven by a host model.
 *
 * The input is read as a program of host inputs (start, stop, URL, socket opened / failed /
 * closed, frames, time, calls, cancels). The host model behaves like a real host: it only
 * reports events for the socket it was asked to open, sends frames only through the client,
 * and after each input polls every action, or (a lazy host) only a few of them, leaving the
 * rest queued across later inputs. An input the host must deliver (socket events, frames) that
 * the client refuses as busy is delivered again after polling everything. Invariants checked:
 *   - nothing is sent unless the host's socket is open; no second socket is opened while one
 *     is open or opening; the deadline is never in the past; the client never allocates;
 *   - every accepted start() ends in exactly one `stopped` or `start-failed` (`stopped` when
 *     an effective stop() ended it), polled in order: never two for one start;
 * and a model of the calls (wps.h, "Delivery guarantees (calls)"), from what the host polled:
 *   - exactly once: every call id a call function returned completes exactly once, no unknown
 *     id completes, and after a final stop() every call has completed; a call made while
 *     stopped or stopping completes with NOT_SENT; a cancel the client accepted completes
 *     that call with CANCELLED, and the client refuses to cancel a call already completed;
 *   - `sent`: a completion's sent flag is true iff a SEND of that call was polled before it
 *     (NOT_SENT never sent, DISCONNECTED and OK always sent);
 *   - frames: every SEND of a call carries that call's message (kind, name, data: each call's
 *     data is unique), its attempts all carry the same ackId (invocationId), fire-and-forget
 *     sends have none, an invocation is sent at most once, a call cancelled is never sent
 *     again, and an attempt is repeated on the same connection only after an error answer or an
 *     attempt timeout; internal frames are ping, sequenceAck, rejoins (only on a fresh
 *     connection, before its calls) and cancelInvocation;
 *   - order: first attempts are polled in call order (a call made earlier was sent before, has
 *     completed, or may have ended by cancel, timeout or stop); on a fresh connection calls go
 *     out only after a `connected` frame; after WPS_EVENT_RECOVERED (and on a fresh connection
 *     with resend_after_session_loss) the calls sent and not answered are sent again in their
 *     original order before any call's first attempt. Counted out: a call answered with an
 *     error (not Duplicate) or whose attempt may have timed out (attempt_timeout_ms) may be
 *     retried out of order until its retry is polled.
 * The host cannot see which call a frame belongs to when two calls carry the same message (two
 * joins of one group with colliding ackIds): the frame's address says which slot, and so which
 * call, it comes from; its decoded content is then checked against that call.
 *
 * Known issues of wps.h the model tolerates (see "Known issue" below); build with
 * -DFUZZ_CLIENT_STRICT to check them too. WPS_FUZZ_TRACE=1 in the environment prints the
 * inputs and actions of a run (./build/fuzz_client <input>).
 */
/* The three wps.h issues this target found are fixed: their checks are on by default
   (-DFUZZ_CLIENT_LENIENT tolerates them again, to compare with older headers). */
#ifndef FUZZ_CLIENT_LENIENT
#define FUZZ_CLIENT_STRICT 1
#endif
#include "fuzz_common.h"

#include <stdarg.h>

enum { H_NONE, H_OPENING, H_OPEN, H_CLOSING };

#define MAX_STEPS 2000
#define MAX_ISSUED 2048 /* more than MAX_STEPS: every call is tracked */
#define FRAME_MAX 512   /* cfg.max_frame_size */

/* One call as the host sees it. */
typedef struct mcall {
    wps_call_id id;
    wps_call_kind kind;
    const char *name;
    char tag[24]; /* the call's data: unique per call */
    size_t tag_len;
    wps_data_type dt;
    char inv[8]; /* a chosen invocation id ("" = automatic) */
    uint8_t ff, custom_ack, not_sent, done, cancelled, may_end, answered, in_resend;
    uint64_t custom_ack_id, ack_id; /* ack_id: carried by its first polled send */
    uint64_t timeout_at;  /* 0: none */
    uint32_t nsends;      /* SENDs polled */
    uint32_t last_gen;    /* socket of the last polled send */
    uint64_t sent_after;  /* the last polled send was queued at this time or later */
    uint32_t exempt_at;   /* input of an error answer / attempt timeout: may pass later calls until retried */
} mcall;

typedef struct ack_seen {
    uint64_t ack_id;
    uint32_t input;
    uint8_t ok;
} ack_seen;

typedef struct model {
    wps_client *c;
    wps_client_config cfg;
    wps_codec up, down;
    uint64_t now;
    int host_sock;
    uint32_t starts, ends; /* start() accepted; stopped / start-failed polled (each start ends once) */
    uint32_t stop_run;     /* the start an effective stop() ends: with `stopped` */
    int need_url;     /* the client asked for a URL */
    int budget;       /* actions the host polls after this input; <0: all */
    int stale_close;  /* known issue 1: the CLOSE asked by stop() while opening may come once too many */
    uint32_t takeback_at; /* known issue 2: a tick at this input may have moved queued first attempts back */
    uint32_t answer_at;   /* known issue 3: an answer came at this input while actions may have been queued */
    uint32_t input;   /* inputs so far */
    uint32_t empty_input; /* the queue was seen empty after this input */
    uint64_t empty_time;  /* ... at this time */
    /* the socket asked for by the last OPEN */
    uint32_t gen;
    int gen_fresh, gen_connected, gen_call_sent;
    uint32_t resend_len, resend_pos, resend_gen; /* resend[]: owed after the last RECOVERED */
    uint32_t cursor; /* calls before it were sent or ended */
    uint32_t n, nacks;
    int fb_live;
    /* arrays: written before they are read */
    uint32_t resend[MAX_ISSUED]; /* in call order */
    mcall calls[MAX_ISSUED];
    ack_seen acks[MAX_STEPS + 8];
    char fb[2][FRAME_MAX]; /* received frames: the one the client may point into stays intact */
    char wb[2][FRAME_MAX]; /* receive_in_place: the writable copies handed over (decoded in place) */
    int head_kind;         /* the record the last poll took (white-box: with borrow_payloads the */
    uint32_t head_slot;    /* frames of calls and internal frames all come from the transmit buffer) */
    unsigned char scratch[2 * FRAME_MAX + 64];
} model;

static model g_m;
static char g_tx[16384]; /* host_transmit_buffer: the transmit buffer the host lends at each poll */
static int g_trace = -1; /* WPS_FUZZ_TRACE=1 in the environment: print the inputs and actions */

static void trace(const char *fmt, ...) {
    va_list ap;
    if (g_trace < 0) g_trace = getenv("WPS_FUZZ_TRACE") != NULL;
    if (!g_trace) return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static const uint8_t *g_in;
static size_t g_len, g_pos;

static unsigned byte(void) { return g_pos < g_len ? g_in[g_pos++] : 0; }

static int slice_is(wps_slice s, const char *p, size_t n) { return s.ptr && s.len == n && (n == 0 || memcmp(s.ptr, p, n) == 0); }

static mcall *find_call(model *m, wps_call_id id) {
    uint32_t i;
    for (i = m->n; i-- > 0;)
        if (m->calls[i].id == id && !m->calls[i].done) return &m->calls[i];
    return NULL;
}

/* The model's call a SEND comes from (NULL: an internal frame). */
static mcall *sender(model *m, const wps_action *a) {
    const wps_client *c = m->c;
    uintptr_t p = (uintptr_t)a->frame.ptr, out = (uintptr_t)c->out;
    uint32_t i;
    mcall *k;
    if (c->cfg.borrow_payloads && (a->frame.ptr == c->tx || a->frame.ptr == g_tx)) { /* encoded as handed over: the record says whose */
        if (m->head_kind == WPS__R_SEND_FRAME) return NULL;
        check_that(m->head_kind == WPS__R_SEND_CALL, "a frame in the transmit buffer from neither a call nor an internal record");
        check_that(c->calls[m->head_slot].id != 0, "a frame of a free call slot");
        k = find_call(m, c->calls[m->head_slot].id);
        check_that(k != NULL, "a SEND of a call unknown or already completed");
        return k;
    }
    if (p >= out && p < out + c->out_cap) {
        check_that(p + a->frame.len <= out + c->out_used, "an internal frame outside the frames in use");
        return NULL;
    }
    for (i = 0; i < c->cfg.max_calls; i++)
        if (a->frame.ptr == (const char *)c->calls[i].buf + c->cfg.max_name_len) break;
    check_that(i < c->cfg.max_calls, "a frame from neither a call nor the internal buffer");
    check_that(c->calls[i].id != 0, "a frame of a free call slot");
    k = find_call(m, c->calls[i].id);
    check_that(k != NULL, "a SEND of a call unknown or already completed");
    return k;
}

static int resend_skippable(const mcall *k) { return !k->in_resend || k->done || k->may_end || k->exempt_at; }

/* Known issue 2 (tolerated unless FUZZ_CLIENT_STRICT): a tick past attempt_timeout_ms takes back
   a call's SEND the host has not polled yet and queues it again at the tail, behind the SENDs of
   later calls still queued (wps_client_tick, attempt timeout branch: wps__unqueue, then
   wps__pump). Order is not checked until the queue has been seen empty after such a tick. */
static int reordered_by_takeback(const model *m) {
#ifdef FUZZ_CLIENT_STRICT
    (void)m;
    return 0;
#else
    return m->takeback_at > m->empty_input;
#endif
}

static void on_internal_send(model *m, const wps_message *msg) {
    switch (msg->kind) {
    case WPS_KIND_PING: break;
    case WPS_KIND_SEQUENCE_ACK: check_that(wps_protocol_is_reliable(m->cfg.protocol), "sequenceAck on a simple protocol"); break;
    case WPS_KIND_JOIN_GROUP:
        check_that(m->gen_fresh && m->gen_connected, "a rejoin outside a fresh connection's start");
        check_that(!m->gen_call_sent, "a rejoin after the calls of its connection");
        check_that(m->cfg.auto_rejoin_groups && (msg->has & WPS_HAS_ACK_ID), "a rejoin without auto_rejoin_groups or ackId");
        break;
    case WPS_KIND_CANCEL_INVOCATION: break;
    default: check_that(0, "an internal frame of an unexpected kind");
    }
}

static void on_call_send(model *m, mcall *k, const wps_message *msg) {
    static const wps_kind kinds[] = {WPS_KIND_NONE, WPS_KIND_JOIN_GROUP, WPS_KIND_LEAVE_GROUP, WPS_KIND_SEND_TO_GROUP,
                                     WPS_KIND_SEND_EVENT, WPS_KIND_INVOKE};
    uint32_t x = (uint32_t)(k - m->calls), i;
    /* the frame is this call's message */
    check_that(msg->kind == kinds[k->kind], "a call's frame of another kind");
    if (k->kind == WPS_CALL_SEND_EVENT || k->kind == WPS_CALL_INVOKE_EVENT)
        check_that(slice_is(msg->event, k->name, strlen(k->name)), "a call's frame with another event name");
    else
        check_that(slice_is(msg->group, k->name, strlen(k->name)), "a call's frame with another group");
    if (k->kind == WPS_CALL_SEND_TO_GROUP || k->kind == WPS_CALL_SEND_EVENT || k->kind == WPS_CALL_INVOKE_EVENT)
        check_that((msg->has & WPS_HAS_DATA) && msg->data_type == k->dt && slice_is(msg->data, k->tag, k->tag_len),
              "a call's frame with another call's data");
    if (k->kind == WPS_CALL_INVOKE_EVENT) {
        check_that(msg->invocation_id.ptr && msg->invocation_id.len, "an invocation without its id");
        if (k->inv[0]) check_that(slice_is(msg->invocation_id, k->inv, strlen(k->inv)), "an invocation with another id");
    } else if (k->ff) {
        check_that(!(msg->has & WPS_HAS_ACK_ID), "a fire-and-forget frame with an ackId");
    } else {
        check_that(msg->has & WPS_HAS_ACK_ID, "an acked call's frame without ackId");
        if (k->custom_ack) check_that(msg->ack_id == k->custom_ack_id, "a call's frame with another ackId than the one chosen");
        if (k->nsends) check_that(msg->ack_id == k->ack_id, "a retry with another ackId");
        k->ack_id = msg->ack_id;
    }
    /* who may be sent */
    check_that(!k->not_sent, "a call made while stopped was sent");
    check_that(!k->cancelled, "a call sent after its cancel was accepted");
    check_that(k->kind != WPS_CALL_INVOKE_EVENT || k->nsends == 0, "an invocation sent twice");
    if (k->nsends == 0) {
        /* first attempts in call order */
        while (m->cursor < m->n) {
            const mcall *o = &m->calls[m->cursor];
            if (!(o->nsends || o->done || o->may_end || o->not_sent)) break;
            m->cursor++;
        }
        check_that(m->cursor >= x || reordered_by_takeback(m), "first attempts out of call order: an earlier call, pending and unsent, was passed");
        if (m->resend_gen == m->gen) {
            while (m->resend_pos < m->resend_len && resend_skippable(&m->calls[m->resend[m->resend_pos]])) m->resend_pos++;
            check_that(m->resend_pos == m->resend_len || reordered_by_takeback(m), "a call's first attempt before the resends owed after a recovery");
        }
        if (m->gen_fresh) check_that(m->gen_connected, "a call sent on a fresh connection before its `connected` frame");
    } else {
        check_that(k->last_gen != m->gen || k->exempt_at, "a call sent twice on one connection without an error answer or attempt timeout");
        if (m->resend_gen == m->gen && k->in_resend) {
            while (m->resend_pos < m->resend_len && m->resend[m->resend_pos] != x &&
                   resend_skippable(&m->calls[m->resend[m->resend_pos]]))
                m->resend_pos++;
            if (m->resend_pos < m->resend_len && m->resend[m->resend_pos] == x) m->resend_pos++;
            else check_that(reordered_by_takeback(m), "resends after a recovery out of their original order");
        }
    }
    k->in_resend = 0;
    /* a retry queued after its exemption: back in line */
    if (k->exempt_at && m->empty_input >= k->exempt_at) k->exempt_at = 0;
    /* error answers that may have come while this send was still queued (the client counts it
       in flight): it may be retried out of order */
    if (!k->ff && k->kind != WPS_CALL_INVOKE_EVENT) {
        for (i = m->nacks; i-- > 0 && m->acks[i].input > m->empty_input;)
            if (m->acks[i].ack_id == k->ack_id && !m->acks[i].ok && m->acks[i].input > k->exempt_at) k->exempt_at = m->acks[i].input;
    }
    k->nsends++;
    k->last_gen = m->gen;
    k->sent_after = m->empty_time;
    k->answered = 0;
    m->gen_call_sent = 1;
}

static void on_send(model *m, const wps_action *a) {
    wps_message msg;
    wps_status st;
    mcall *k;
    check_that(m->host_sock == H_OPEN, "frame sent while no socket is open");
    check_that(a->frame.ptr && a->frame.len && a->is_text, "empty or binary frame");
    k = sender(m, a);
    st = wps_decode(&m->up, a->frame.ptr, a->frame.len, m->scratch, sizeof m->scratch, &msg, NULL);
    check_that(st == WPS_OK, "a sent frame does not decode");
    if (k) on_call_send(m, k, &msg);
    else on_internal_send(m, &msg);
}

static void on_complete(model *m, const wps_action *a) {
    mcall *k = find_call(m, a->call);
    check_that(k != NULL, "completion of a call that is not pending");
    k->done = 1;
    check_that(a->call_kind == k->kind, "completion with another call kind");
    check_that(a->sent == (k->nsends > 0), "completion's sent flag differs from the SENDs polled");
    if (k->not_sent) check_that(a->status == WPS_ERR_NOT_SENT, "a call made while stopped did not complete NOT_SENT");
    if (k->cancelled) check_that(a->status == WPS_ERR_CANCELLED, "a call cancelled completed otherwise");
    if (a->status == WPS_ERR_NOT_SENT) check_that(!a->sent, "NOT_SENT for a call sent");
    if (a->status == WPS_ERR_DISCONNECTED || a->status == WPS_OK) check_that(a->sent, "DISCONNECTED or OK for a call never sent");
    check_that(a->has_ack_id == (!k->ff && k->kind != WPS_CALL_INVOKE_EVENT), "completion's has_ack_id");
    if (a->has_ack_id && k->nsends) check_that(a->ack_id == k->ack_id, "completion with another ackId than its frames");
    if (k->custom_ack) check_that(a->ack_id == k->custom_ack_id, "completion with another ackId than chosen");
}

/* A usable connection (RECOVERED, or a fresh one's `connected` frame with
   resend_after_session_loss): the calls sent and not answered are owed again, in call order. */
static void owe_resends(model *m) {
    uint32_t i;
    m->resend_len = m->resend_pos = 0;
    m->resend_gen = m->gen;
    for (i = 0; i < m->n; i++) {
        mcall *k = &m->calls[i];
        k->in_resend = 0;
        if (k->nsends && !k->done && !k->ff && k->kind != WPS_CALL_INVOKE_EVENT && !k->may_end && !k->exempt_at) {
            k->in_resend = 1;
            m->resend[m->resend_len++] = i;
        }
    }
}

/* Polls actions: all of them, or m->budget when the host is lazy after this input. */
static void drain(model *m) {
    wps_action a;
    int guard = 0;
    for (;;) {
        if (m->budget == 0) return;
        if (m->c->q_len) {
            const wps__rec *h = &m->c->q[m->c->q_head];
            m->head_kind = h->kind;
            m->head_slot = h->kind == WPS__R_SEND_CALL ? h->half : 0;
            if (m->cfg.host_transmit_buffer && (h->kind == WPS__R_OPEN || h->kind == WPS__R_SEND_CALL || h->kind == WPS__R_SEND_FRAME)) {
                /* without a buffer, or with one too small, the action stays queued and the poll says what it needs */
                uint32_t len = m->c->q_len;
                size_t need = wps_client_transmit_size(&m->cfg);
                check_that(!wps_client_poll(m->c, &a) && a.status == WPS_ERR_BUFFER_TOO_SMALL && a.needed == need, "poll without a buffer");
                check_that(!wps_client_poll_into(m->c, &a, g_tx, need - 1) && a.status == WPS_ERR_BUFFER_TOO_SMALL, "poll with a small buffer");
                check_that(m->c->q_len == len, "the action stays queued");
            }
        }
        if (m->cfg.host_transmit_buffer ? !wps_client_poll_into(m->c, &a, g_tx, sizeof g_tx) : !wps_client_poll(m->c, &a)) {
            check_that(a.status == WPS_OK, "a lent buffer large enough");
            break;
        }
        if (m->budget > 0) m->budget--;
        trace("    < %s", wps_action_kind_name(a.kind));
        if (a.kind == WPS_ACTION_EVENT) trace(" %s", wps_event_kind_name(a.event));
        if (a.kind == WPS_ACTION_SEND || a.kind == WPS_ACTION_OPEN)
            trace(" %.*s", (int)(a.kind == WPS_ACTION_SEND ? a.frame.len : a.url.len), a.kind == WPS_ACTION_SEND ? a.frame.ptr : a.url.ptr);
        if (a.kind == WPS_ACTION_COMPLETE) trace(" call %u status %s sent %d", a.call, wps_status_name(a.status), a.sent);
        trace("\n");
        check_that(++guard < 100000, "poll does not end");
        switch (a.kind) {
        case WPS_ACTION_NEED_URL: m->need_url = 1; break;
        case WPS_ACTION_OPEN:
            check_that(m->host_sock == H_NONE, "a second socket opened while one is open");
            check_that(a.url.ptr && a.url.len && a.subprotocol, "open without a URL");
            m->host_sock = H_OPENING;
            m->stale_close = 0;
            m->gen++;
            m->gen_fresh = strstr(a.url.ptr, "awps_reconnection_token=") == NULL;
            m->gen_connected = m->gen_call_sent = 0;
            break;
        case WPS_ACTION_SEND: on_send(m, &a); break;
        case WPS_ACTION_CLOSE:
            if (m->host_sock == H_NONE || m->host_sock == H_CLOSING) { /* known issue 1 (tolerated unless FUZZ_CLIENT_STRICT) */
                check_that(m->stale_close, m->host_sock == H_NONE ? "close without a socket" : "a second close for one socket");
                m->stale_close = 0;
                break;
            }
            m->host_sock = H_CLOSING;
            break;
        case WPS_ACTION_EVENT:
            if (a.event == WPS_EVENT_STOPPED || a.event == WPS_EVENT_START_FAILED) {
                check_that(m->ends < m->starts, "two stopped (or start-failed) events for one start");
                m->ends++;
                if (m->ends == m->stop_run) check_that(a.event == WPS_EVENT_STOPPED, "stop() not ended by `stopped`");
            }
            if (a.event == WPS_EVENT_RECOVERED) {
                check_that(m->gen && !m->gen_fresh, "recovered without a recovery socket"); /* it may have closed since */
                owe_resends(m);
            }
            if (a.event == WPS_EVENT_GROUP_MESSAGE || a.event == WPS_EVENT_SERVER_MESSAGE) check_that(a.message != NULL, "no message");
            break;
        case WPS_ACTION_COMPLETE: on_complete(m, &a); break;
        default: check_that(0, "unknown action"); break;
        }
    }
    m->empty_input = m->input;
    m->empty_time = m->now;
}

static void drain_all(model *m) {
    m->budget = -1;
    drain(m);
}

/* The end of one input: poll, and check the deadline. */
static void finish(model *m, const char *what, wps_status st) {
    uint64_t d;
    trace("t=%llu #%u %s -> %s (%s, %d calls)\n", (unsigned long long)m->now, m->input, what, wps_status_name(st),
          wps_client_state_name(wps_client_get_state(m->c)), (int)m->n);
    check_that(st == WPS_OK || st < 0, "unexpected status");
    drain(m);
    d = wps_client_next_deadline(m->c);
    check_that(d == UINT64_MAX || d >= m->now, "deadline in the past");
}

static void after_input(model *m, const char *what, wps_status st) {
    m->input++;
    finish(m, what, st);
}

/* A tick the client accepted: per-call timeouts, and attempts that may have timed out. */
static void ticked(model *m) {
    uint32_t i, t = m->cfg.attempt_timeout_ms;
    if (t != WPS_NO_TIMEOUT && m->empty_input + 1 != m->input && m->now >= m->empty_time + t) m->takeback_at = m->input;
    for (i = 0; i < m->n; i++) {
        mcall *k = &m->calls[i];
        if (k->done) continue;
        if (k->timeout_at && m->now >= k->timeout_at) k->may_end = 1;
        if (t != WPS_NO_TIMEOUT && k->nsends && !k->answered && k->last_gen == m->gen &&
            (m->host_sock == H_OPEN || m->host_sock == H_CLOSING) && m->now >= k->sent_after + t) {
            k->exempt_at = m->input;
            k->answered = 1;
        }
    }
}

static void tick(model *m) {
    wps_status st = wps_client_tick(m->c, m->now);
    m->input++;
    if (st == WPS_OK) ticked(m);
    finish(m, "tick", st);
}

/* A frame the client accepted: what the service answered, and `connected`. */
static void received(model *m, const char *buf, size_t n) {
    wps_message msg;
    uint32_t i;
    int ok;
    if (wps_decode(&m->down, buf, n, m->scratch, FRAME_MAX, &msg, NULL) != WPS_OK) return;
    if (msg.kind == WPS_KIND_CONNECTED && m->host_sock == H_OPEN && m->gen_fresh && !m->gen_connected) {
        m->gen_connected = 1;
        if (m->cfg.resend_after_session_loss) owe_resends(m);
    }
    if ((msg.kind == WPS_KIND_ACK || msg.kind == WPS_KIND_INVOKE_RESPONSE) && m->empty_input + 1 != m->input) m->answer_at = m->input;
    if (msg.kind != WPS_KIND_ACK) return;
    ok = ((msg.has & WPS_HAS_SUCCESS) && msg.success) || slice_is(msg.error.name, "Duplicate", 9);
    check_that(m->nacks < sizeof m->acks / sizeof m->acks[0], "ack log");
    m->acks[m->nacks].ack_id = msg.ack_id;
    m->acks[m->nacks].input = m->input;
    m->acks[m->nacks].ok = (uint8_t)ok;
    m->nacks++;
    for (i = 0; i < m->n; i++) {
        mcall *k = &m->calls[i];
        if (k->done || !k->nsends || k->answered || k->last_gen != m->gen || k->ff || k->kind == WPS_CALL_INVOKE_EVENT ||
            k->ack_id != msg.ack_id)
            continue;
        k->answered = 1;
        if (!ok) k->exempt_at = m->input;
    }
}

static const char *const k_groups[] = {"a", "b", "lobby", "g\xc3\xa9", "x y", "q\"\\\x01\x1f"}; /* the last escapes at 2 and 6 bytes a byte */
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

/* The host hands a frame over: read-only, or (receive_in_place) a writable copy decoded in place;
   buf stays intact for the model. */
static wps_status deliver_frame(model *m, const char *buf, int n, int is_text) {
    if (!m->cfg.receive_in_place) return wps_client_on_frame(m->c, m->now, buf, (size_t)n, is_text != 0);
    memcpy(m->wb[!m->fb_live], buf, (size_t)n);
    return wps_client_on_frame_writable(m->c, m->now, m->wb[!m->fb_live], (size_t)n, is_text != 0);
}

static void frame(model *m) {
    char *buf = m->fb[!m->fb_live]; /* the other buffer may still be pointed into */
    unsigned kind = byte() % 8, v = byte();
    int n, is_text = (v & 64) == 0;
    wps_status st;
    switch (kind) {
    case 0:
        n = snprintf(buf, FRAME_MAX,
                     "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"c%u\"%s}", v % 4,
                     (v & 4) ? ",\"reconnectionToken\":\"t\"" : "");
        break;
    case 1:
        n = snprintf(buf, FRAME_MAX, "{\"type\":\"ack\",\"ackId\":%u,\"success\":%s%s}", v % 16, (v & 16) ? "true" : "false",
                     (v & 32) ? ",\"error\":{\"name\":\"Duplicate\",\"message\":\"d\"}" : "");
        break;
    case 2:
    case 3:
        n = snprintf(buf, FRAME_MAX, "{\"type\":\"message\",\"from\":\"%s\",\"group\":\"a\",\"dataType\":\"text\",\"data\":\"m\",\"sequenceId\":%u}",
                     (v & 1) ? "group" : "server", (v >> 1) * (kind == 3 ? 7u : 1u));
        break;
    case 4:
        n = snprintf(buf, FRAME_MAX, "{\"type\":\"invokeResponse\",\"invocationId\":\"%u\",\"success\":%s,\"dataType\":\"text\",\"data\":\"r\"}",
                     v % 6, (v & 8) ? "true" : "false");
        break;
    case 5: {
        /* raw bytes from the input */
        unsigned len = byte() % 64, i;
        for (i = 0; i < len; i++) buf[i] = (char)byte();
        n = (int)len;
        break;
    }
    default: n = snprintf(buf, FRAME_MAX, "%s", k_frames[v % (sizeof k_frames / sizeof k_frames[0])]); break;
    }
    st = deliver_frame(m, buf, n, is_text);
    if (st == WPS_ERR_BUSY) { /* a host cannot drop a frame: poll everything, then deliver it */
        drain_all(m);
        st = deliver_frame(m, buf, n, is_text);
        check_that(st != WPS_ERR_BUSY, "frame refused as busy with nothing queued");
    }
    m->input++;
    if (st == WPS_OK) {
        m->fb_live = !m->fb_live;
        if (is_text) received(m, buf, (size_t)n);
    }
    trace("  frame%s: %.*s\n", is_text ? "" : " (binary)", n, buf);
    finish(m, "frame", st);
}

static void call(model *m, unsigned op) {
    wps_call_options o;
    wps_call_id id = 0;
    unsigned f = byte();
    const char *name = k_groups[byte() % 6];
    wps_slice g = wps_slice_from_cstr(name);
    mcall *k = &m->calls[m->n];
    wps_client_state s = wps_client_get_state(m->c);
    wps_status st;
    check_that(m->n < MAX_ISSUED, "too many calls for the model");
    memset(k, 0, sizeof *k);
    k->dt = (f & 1) ? WPS_DATA_JSON : WPS_DATA_TEXT;
    k->tag_len = (size_t)snprintf(k->tag, sizeof k->tag, (f & 1) ? "{\"k\":%u}" : "t%u", m->n);
    memset(&o, 0, sizeof o);
    o.fire_and_forget = (f & 2) != 0;
    o.no_echo = (f & 4) != 0;
    o.borrow_payload = (f & 64) != 0; /* name and tag live as long as the model (k_groups, m->calls) */
    if (f & 8) o.has_ack_id = true, o.ack_id = byte() % 8;
    if (f & 16) o.timeout_ms = 1 + byte() * 40u;
    if (f & 32) {
        snprintf(k->inv, sizeof k->inv, "%u", byte() % 6);
        o.invocation_id = wps_slice_from_cstr(k->inv);
    }
    k->kind = (wps_call_kind)(WPS_CALL_JOIN_GROUP + op % 5);
    switch (k->kind) {
    case WPS_CALL_JOIN_GROUP: st = wps_client_join_group(m->c, m->now, g, &o, &id, NULL); break;
    case WPS_CALL_LEAVE_GROUP: st = wps_client_leave_group(m->c, m->now, g, &o, &id, NULL); break;
    case WPS_CALL_SEND_TO_GROUP: st = wps_client_send_to_group(m->c, m->now, g, k->dt, wps_slice_make(k->tag, k->tag_len), &o, &id, NULL); break;
    case WPS_CALL_SEND_EVENT: st = wps_client_send_event(m->c, m->now, g, k->dt, wps_slice_make(k->tag, k->tag_len), &o, &id, NULL); break;
    default: st = wps_client_invoke_event(m->c, m->now, g, k->dt, wps_slice_make(k->tag, k->tag_len), &o, &id, NULL); break;
    }
    if (st == WPS_OK) {
        check_that(id != 0, "call id 0");
        check_that(find_call(m, id) == NULL, "a call id of a pending call");
        k->id = id;
        k->name = name;
        k->ff = o.fire_and_forget && (k->kind == WPS_CALL_SEND_TO_GROUP || k->kind == WPS_CALL_SEND_EVENT);
        k->custom_ack = o.has_ack_id && !k->ff && k->kind != WPS_CALL_INVOKE_EVENT;
        k->custom_ack_id = o.ack_id;
        if (k->custom_ack) k->ack_id = o.ack_id;
        if (k->kind != WPS_CALL_INVOKE_EVENT) k->inv[0] = 0;
        if (o.timeout_ms) k->timeout_at = m->now + o.timeout_ms;
        k->not_sent = s == WPS_CLIENT_STOPPED || s == WPS_CLIENT_STOPPING;
        m->n++;
    } else {
        check_that(id == 0, "a refused call with an id");
    }
    trace("  call %u: %s %s%s%s ack=%d%s timeout=%u inv=%s data=%s\n", id, wps_call_kind_name(k->kind), name, k->ff ? " ff" : "",
          o.has_ack_id ? " custom" : "", (int)o.ack_id, o.fire_and_forget ? " ff-option" : "", o.timeout_ms, k->inv, k->tag);
    after_input(m, "call", st);
}

/* A socket event the host must report: refused as busy only while actions are queued. */
static wps_status socket_event(model *m, int which, uint16_t code) {
    int round;
    wps_status st = WPS_OK;
    wps_client_state s = wps_client_get_state(m->c);
    for (round = 0; round < 2; round++) {
        switch (which) {
        case 0: st = wps_client_on_open(m->c, m->now); break;
        case 1: st = wps_client_on_open_failed(m->c, m->now, code); break;
        default: st = wps_client_on_close(m->c, m->now, code, code == 1000 ? NULL : "r", code == 1000 ? 0 : 1); break;
        }
        if (st != WPS_ERR_BUSY) break;
        check_that(round == 0, "socket event refused as busy with nothing queued");
        drain_all(m);
        s = wps_client_get_state(m->c);
    }
#ifndef FUZZ_CLIENT_STRICT
    /* Known issue 1: stop() while the socket is opening queues CLOSE (STOP_OPENING). When the
       host has not polled it yet and the open fails, the client stops but leaves that CLOSE
       queued: a CLOSE for a socket that never opened (wps__connect_failed, STOP_OPENING, does not
       unqueue R_CLOSE). When the socket opens instead, wps_client_on_open queues a second CLOSE
       behind the first: two CLOSEs for one socket. */
    if (st == WPS_OK && m->host_sock == H_OPENING && s == WPS_CLIENT_STOPPING) m->stale_close = 1;
#endif
    return st;
}

/* A host ahead of its actions: it reports its socket open (which == 0), failed (1) or closed (2:
   a WebSocket library that reports a failed handshake as a close) before polling the OPEN that
   asked for it. The client takes that OPEN back; for an open socket the model counts the socket
   as if the OPEN had been handed over (fresh or recovery, as the record says). */
static void premature_socket_event(model *m, int which, uint16_t code) {
    const wps_client *c = m->c;
    uint32_t j;
    int recovery = -1;
    wps_status st;
    for (j = 0; j < c->q_len; j++) {
        const wps__rec *r = &c->q[(c->q_head + j) % c->q_cap];
        if (r->kind == WPS__R_OPEN) recovery = (r->bits & WPS__Q_RECOVERY) != 0;
    }
    if (recovery < 0) return;
    trace("  premature %s\n", which == 0 ? "on_open" : which == 1 ? "on_open_failed" : "on_close");
    st = which == 0   ? wps_client_on_open(m->c, m->now)
         : which == 1 ? wps_client_on_open_failed(m->c, m->now, code)
                      : wps_client_on_close(m->c, m->now, code ? code : 1006, "handshake failed", 16);
    if (st == WPS_ERR_BUSY) return;
    check_that(st == WPS_OK, "a premature socket event refused");
    check_that(wps__queued(c, WPS__MASK(WPS__R_OPEN)) == 0, "the OPEN not polled is taken back");
    if (which == 0) {
        m->host_sock = H_OPEN;
        m->stale_close = 0;
        m->gen++;
        m->gen_fresh = !recovery;
        m->gen_connected = m->gen_call_sent = 0;
    }
    after_input(m, which == 0 ? "on_open (premature)" : which == 1 ? "on_open_failed (premature)" : "on_close (premature)", st);
}

static void stop(model *m) {
    wps_client_state s = wps_client_get_state(m->c);
    wps_status st = wps_client_stop(m->c, m->now);
    uint32_t i;
    if (st == WPS_OK && s != WPS_CLIENT_STOPPED && s != WPS_CLIENT_STOPPING) {
        m->stop_run = m->starts;
        for (i = 0; i < m->n; i++) m->calls[i].may_end = 1;
    }
    after_input(m, "stop", st);
}

static uint64_t g_mem[(1u << 20) / 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    model *m = &g_m;
    wps_client_config cfg = wps_client_config_default();
    size_t need;
    unsigned flags, retry;
    int steps = 0;
    uint32_t i;
    static const uint32_t attempt_timeouts[] = {WPS_NO_TIMEOUT, 700, 2500, 9000};
    g_in = data;
    g_len = size;
    g_pos = 0;
    memset(m, 0, offsetof(model, resend));
    flags = byte();
    retry = byte();
    cfg.protocol = (flags & 1) ? WPS_PROTOCOL_JSON : WPS_PROTOCOL_JSON_RELIABLE;
    cfg.auto_reconnect = (flags & 2) == 0;
    cfg.auto_rejoin_groups = (flags & 4) == 0;
    cfg.max_calls = 1 + (flags >> 3) % 4;
    cfg.max_groups = (flags >> 5) % 4;
    cfg.message_retry.max_retries = retry % 4;
    cfg.attempt_timeout_ms = attempt_timeouts[(retry >> 2) % 4];
    cfg.resend_after_session_loss = (retry & 16) == 0;
    cfg.borrow_payloads = (retry & 32) != 0;  /* calls and internal frames encoded as handed over */
    cfg.receive_in_place = (retry & 64) != 0; /* no receive scratch: frames handed over writable */
    cfg.host_transmit_buffer = cfg.borrow_payloads && (retry & 128) != 0; /* frames and URLs written into g_tx */
    cfg.borrow_url = (retry & 128) != 0;      /* the URL is a string literal: alive for good */
    cfg.reconnect_retry.max_retries = (flags & 8) ? 2 : WPS_RETRY_UNLIMITED;
    cfg.reconnect_retry.mode = (flags & 16) ? WPS_RETRY_EXPONENTIAL : WPS_RETRY_FIXED;
    cfg.recovery_window_ms = 3000;
    cfg.max_frame_size = FRAME_MAX;
    m->cfg = cfg;
    m->up = wps_codec_make(cfg.protocol, WPS_UPSTREAM);
    m->down = wps_codec_make(cfg.protocol, WPS_DOWNSTREAM);
    need = wps_client_memory_size(&cfg);
    check_that(need > 0 && need <= sizeof g_mem, "memory size");
    check_that(wps_client_transmit_size(&cfg) <= sizeof g_tx, "transmit size");
    check_that(wps_client_init(&m->c, &cfg, g_mem, need, NULL) == WPS_OK, "init");
    while (g_pos < g_len && steps++ < MAX_STEPS) {
        unsigned op = byte();
        m->now += (op & 0x80) ? (uint64_t)byte() * 50u : 0u;
        /* a lazy host: after this input it polls only a few actions */
        m->budget = (op & 0x60) == 0x60 ? (int)(byte() % 4) : -1;
        if (m->budget >= 0) trace("  (lazy: polls %d)\n", m->budget);
        switch (op & 0x1F) {
        case 0: {
            wps_status st = wps_client_start(m->c, m->now);
            if (st == WPS_OK) m->starts++;
            after_input(m, "start", st);
            break;
        }
        case 1: stop(m); break;
        case 2:
            if (m->need_url) {
                wps_status st = wps_client_set_url(m->c, m->now, "wss://h/client/hubs/x?access_token=t", 36);
                if (st != WPS_ERR_BUSY) m->need_url = 0;
                after_input(m, "set_url", st);
            }
            break;
        case 3:
            if (m->need_url) {
                wps_status st = wps_client_url_failed(m->c, m->now);
                if (st != WPS_ERR_BUSY) m->need_url = 0;
                after_input(m, "url_failed", st);
            }
            break;
        case 4:
            if (m->host_sock == H_NONE) premature_socket_event(m, 0, 0);
            else if (m->host_sock == H_OPENING) {
                wps_status st = socket_event(m, 0, 0);
                check_that(st == WPS_OK, "open refused");
                m->host_sock = H_OPEN;
                after_input(m, "on_open", st);
            }
            break;
        case 5:
            if (m->host_sock == H_NONE) {
                unsigned b = byte();
                premature_socket_event(m, (b & 2) ? 2 : 1, (b & 1) ? 1008 : 0);
            }
            else if (m->host_sock == H_OPENING) {
                wps_status st = socket_event(m, 1, (byte() & 1) ? 1008 : 0);
                check_that(st == WPS_OK, "open failure refused");
                m->host_sock = H_NONE;
                after_input(m, "on_open_failed", st);
            }
            break;
        case 6:
        case 7:
            if (m->host_sock != H_NONE) {
                static const uint16_t codes[] = {1000, 1001, 1005, 1006, 1008, 1011};
#ifndef FUZZ_CLIENT_STRICT
                /* Known issue 3: an answer (ack, invokeResponse) to a call whose SEND is still
                   queued completes it (a COMPLETE pointing into the frame); when the socket then
                   closes before the host polls, wps__connection_lost takes the SEND back, puts the
                   call back in the list as if it were fire-and-forget and drops its COMPLETE
                   record without decrementing frame_refs: wps__check fails, and under NDEBUG
                   every later frame is refused as busy. Here the host polls first. */
                if (m->answer_at > m->empty_input) drain_all(m);
#endif
                wps_status st = socket_event(m, 2, codes[byte() % 6]);
                check_that(st == WPS_OK, "close refused");
                m->host_sock = H_NONE;
                after_input(m, "on_close", st);
            }
            break;
        case 8:
        case 9:
        case 10:
        case 11:
            if (m->host_sock == H_OPEN || m->host_sock == H_CLOSING) frame(m);
            break;
        case 12:
        case 13: tick(m); break;
        case 14:
            if (m->n) {
                mcall *k = &m->calls[byte() % m->n];
                wps_status st = wps_client_cancel(m->c, m->now, k->id);
                if (st == WPS_OK) {
                    check_that(!k->done, "cancel accepted for a completed call");
                    k->cancelled = k->may_end = 1;
                }
                trace("  cancel %u\n", k->id);
                after_input(m, "cancel", st);
            }
            break;
        case 15: {
            /* jump to the deadline, like a host timer */
            uint64_t d = wps_client_next_deadline(m->c);
            if (d != UINT64_MAX && d - m->now < 200000) m->now = d;
            tick(m);
            break;
        }
        default: call(m, op); break;
        }
    }
    /* the end: poll everything, stop, let the host close its socket: every call is complete */
    trace("end\n");
    drain_all(m);
    stop(m);
    drain_all(m);
    if (m->host_sock == H_OPENING) {
        m->host_sock = H_NONE;
        after_input(m, "on_open_failed", wps_client_on_open_failed(m->c, m->now, 0));
    } else if (m->host_sock != H_NONE) {
        m->host_sock = H_NONE;
        after_input(m, "on_close", wps_client_on_close(m->c, m->now, 1000, NULL, 0));
    }
    check_that(wps_client_get_state(m->c) == WPS_CLIENT_STOPPED, "not stopped at the end");
    check_that(m->ends == m->starts, "a start() without its stopped (or start-failed) event");
    for (i = 0; i < m->n; i++) check_that(m->calls[i].done, "a call never completed");
    return 0;
}
