/* Client tests: the scenario runner (every tests/scenarios/NAME.txt; format in
   tests/scenarios/README.md) plus table tests of the retry formula, defaults and memory sizing. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "../wps.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/wps/cli_util.h"

/* ------------------------------------------------------------------ retry formula, defaults */

typedef struct retry_case {
    const char *name;
    wps_retry_policy p;
    uint32_t expect[10]; /* delays for attempts 1..; UINT32_MAX = exhausted */
} retry_case;

#define EX UINT32_MAX
static const retry_case retry_cases[] = {
    /* docs/client-rules.md 2.1: JS 1000/30000 -> T = 6 */
    {"JS default exponential", {WPS_RETRY_UNLIMITED, 1000, 30000, WPS_RETRY_EXPONENTIAL}, {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000}},
    /* NET RetryPolicyTests: 1 s / 14 s, 7 retries -> 1,2,4,8,14,14,14 then null */
    {"NET exponential 1s/14s x7", {7, 1000, 14000, WPS_RETRY_EXPONENTIAL}, {1000, 2000, 4000, 8000, 14000, 14000, 14000, EX, EX, EX}},
    /* NET: Fixed 5 s x5 then null */
    {"NET fixed 5s x5", {5, 5000, 30000, WPS_RETRY_FIXED}, {5000, 5000, 5000, 5000, 5000, EX, EX, EX, EX, EX}},
    /* the JS message retry default: 3 retries of 1000 ms (4 sends in all) */
    {"JS message default", {3, 1000, 30000, WPS_RETRY_FIXED}, {1000, 1000, 1000, EX, EX, EX, EX, EX, EX, EX}},
    {"no retries", {0, 1000, 30000, WPS_RETRY_FIXED}, {EX, EX, EX, EX, EX, EX, EX, EX, EX, EX}},
    /* max below delay: every attempt is at or past T -> max */
    {"max below delay", {WPS_RETRY_UNLIMITED, 5000, 1000, WPS_RETRY_EXPONENTIAL}, {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}},
    /* huge values do not overflow (NET) */
    {"huge values", {WPS_RETRY_UNLIMITED, 0x7FFFFFFF, 0xFFFFFFFE, WPS_RETRY_EXPONENTIAL}, {0x7FFFFFFF, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE}},
};

TEST retry_policy_formula(void) {
    size_t i;
    uint32_t a;
    for (i = 0; i < sizeof retry_cases / sizeof retry_cases[0]; i++) {
        const retry_case *c = &retry_cases[i];
        for (a = 1; a <= 10; a++) {
            uint32_t d = 12345;
            int more = wps_retry_next_delay(&c->p, a, &d);
            if (c->expect[a - 1] == EX) {
                ASSERTm(c->name, !more);
            } else {
                ASSERTm(c->name, more);
                if (d != c->expect[a - 1]) {
                    printf("    %s attempt %u: expected %u, got %u\n", c->name, a, c->expect[a - 1], d);
                    FAILm(c->name);
                }
            }
        }
    }
    PASS();
}

TEST config_defaults_are_the_sdk_defaults(void) {
    wps_client_config c = wps_client_config_default();
    ASSERT_EQ(WPS_PROTOCOL_JSON_RELIABLE, c.protocol);
    ASSERT(c.auto_reconnect && c.auto_rejoin_groups);
    ASSERT_EQ(20000u, c.keepalive_interval_ms);
    ASSERT_EQ(120000u, c.keepalive_timeout_ms);
    ASSERT_EQ(3u, c.message_retry.max_retries);
    ASSERT_EQ(1000u, c.message_retry.delay_ms);
    ASSERT_EQ(30000u, c.message_retry.max_delay_ms);
    ASSERT_EQ(WPS_RETRY_FIXED, c.message_retry.mode);
    ASSERT_EQ(WPS_RETRY_UNLIMITED, c.reconnect_retry.max_retries);
    ASSERT_EQ(1000u, c.reconnect_retry.delay_ms);
    ASSERT_EQ(30000u, c.reconnect_retry.max_delay_ms);
    ASSERT_EQ(WPS_RETRY_FIXED, c.reconnect_retry.mode);
    ASSERT_EQ(30000u, c.recovery_window_ms);
    ASSERT_EQ(1000u, c.recovery_retry_ms);
    ASSERT_EQ(1000u, c.sequence_ack_interval_ms);
    ASSERT_EQ(300u, c.quick_sequence_ack_diff);
    ASSERT_EQ(WPS_NO_TIMEOUT, c.ack_timeout_ms);
    PASS();
}

TEST memory_is_sized_and_checked(void) {
    wps_client_config cfg = wps_client_config_default();
    size_t need = wps_client_memory_size(&cfg);
    void *mem = malloc(need + 8);
    wps_client *c = NULL;
    wps_diag d;
    ASSERT(need > 0);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_init(&c, &cfg, mem, need - 1, &d));
    ASSERT_EQ(need, d.needed);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_init(&c, &cfg, (char *)mem + 1, need, &d));
    ASSERT_EQ(WPS_OK, wps_client_init(&c, &cfg, mem, need, &d));
    ASSERT(c != NULL);
    ASSERT_EQ(WPS_CLIENT_STOPPED, wps_client_get_state(c));
    ASSERT_EQ(UINT64_MAX, wps_client_next_deadline(c));
    cfg.max_calls = 0;
    ASSERT_EQ((size_t)0, wps_client_memory_size(&cfg));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_init(&c, &cfg, mem, need, &d));
    cfg = wps_client_config_default();
    cfg.protocol = WPS_PROTOCOL_PROTOBUF;
    ASSERT_EQ((size_t)0, wps_client_memory_size(&cfg));
    /* automatic invocation ids need 20 digits of name room */
    cfg = wps_client_config_default();
    cfg.max_name_len = 23;
    ASSERT_EQ((size_t)0, wps_client_memory_size(&cfg));
    /* retrying forever without a pause would make every tick due at once */
    cfg = wps_client_config_default();
    cfg.message_retry.max_retries = WPS_RETRY_UNLIMITED;
    cfg.message_retry.delay_ms = 0;
    ASSERT_EQ((size_t)0, wps_client_memory_size(&cfg));
    /* capacities whose memory does not fit a size_t are refused, not wrapped */
    cfg = wps_client_config_default();
    cfg.max_calls = 65536;
    cfg.max_frame_size = 1u << 30;
    if (sizeof(size_t) < 8) ASSERT_EQ((size_t)0, wps_client_memory_size(&cfg));
    else ASSERT(wps_client_memory_size(&cfg) > ((size_t)1 << 46));
    free(mem);
    PASS();
}

/* Client set-ups the tests share. feed: a text frame; drain_all: poll every action. */
static void feed(wps_client *c, uint64_t t, const char *s) { wps_client_on_frame(c, t, s, strlen(s), true); }
static void drain_all(wps_client *c) {
    wps_action a;
    while (wps_client_poll(c, &a)) {
    }
}

static const char client_url[] = "wss://h/client/hubs/x?access_token=t";

/* Memory for a client of the default configuration (free() it); *size gets its size. */
static void *client_memory(size_t *size) {
    wps_client_config cfg = wps_client_config_default();
    *size = wps_client_memory_size(&cfg);
    return malloc(*size);
}

/* A client of this configuration (tracing to fn, if not NULL), started, open and connected by
   this frame, every action polled. */
static wps_client *open_client_with(const wps_client_config *cfg, wps_trace_fn fn, void *user, void *mem, size_t size, const char *connected) {
    wps_client *c = NULL;
    if (wps_client_init(&c, cfg, mem, size, NULL) != WPS_OK) return NULL;
    if (fn) wps_client_set_trace(c, fn, user);
    wps_client_start(c, 0);
    drain_all(c);
    wps_client_set_url(c, 0, client_url, sizeof client_url - 1);
    drain_all(c);
    wps_client_on_open(c, 0);
    feed(c, 0, connected);
    drain_all(c);
    return c;
}

/* The same with the default configuration. */
static wps_client *open_client(void *mem, size_t size, const char *connected) {
    wps_client_config cfg = wps_client_config_default();
    return open_client_with(&cfg, NULL, NULL, mem, size, connected);
}

/* A connected client with a session worth saving (connectionId, token, a joined group). */
static wps_client *connected_client(void *mem, size_t size) {
    wps_call_id id;
    wps_client *c = open_client(mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"A\",\"reconnectionToken\":\"tok\"}");
    if (!c) return NULL;
    wps_client_join_group(c, 0, wps_slice_from_cstr("lobby"), NULL, &id, NULL);
    drain_all(c);
    feed(c, 0, "{\"type\":\"ack\",\"ackId\":1,\"success\":true}");
    drain_all(c);
    return c;
}

/* The connection closes with 1008 (no recovery) and a fresh one opens: this frame connects it,
   its actions left to poll. */
static void reconnect_fresh(wps_client *c, const char *connected) {
    wps_client_on_close(c, 2, 1008, NULL, 0);
    drain_all(c);
    wps_client_set_url(c, 3, client_url, sizeof client_url - 1);
    drain_all(c);
    wps_client_on_open(c, 4);
    drain_all(c);
    feed(c, 5, connected);
}

/* P5 item 5: a 1 MB message of every data type reaches the application whole with the default
   configuration (8 KB of scratch) when the frame is handed over writable: it is decoded in place.
   The same frame handed over read-only is reported with the bytes it needs, and never acked. */
typedef struct big_case {
    const char *name;
    const char *data_type;
    wps_data_type type;
    int escaped_text; /* text made of escapes (\n and \u00e9), which shrink when decoded */
} big_case;

static const big_case big_cases[] = {
    {"text with escapes", "text", WPS_DATA_TEXT, 1},
    {"json", "json", WPS_DATA_JSON, 0},
    {"binary", "binary", WPS_DATA_BINARY, 0},
    {"protobuf", "protobuf", WPS_DATA_PROTOBUF, 0},
};

/* The frame of a 1 MB group message of this case (malloc'd), and the payload it must deliver. */
static char *big_frame(const big_case *bc, uint64_t seq, size_t *frame_len, unsigned char **payload, size_t *payload_len) {
    const size_t size = 1u << 20;
    size_t i, n = 0, cap = size * 4 + 256;
    char *f = (char *)malloc(cap);
    unsigned char *p = (unsigned char *)malloc(size + 16);
    n += (size_t)snprintf(f, cap, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"%s\",\"sequenceId\":%llu,\"data\":",
                          bc->data_type, (unsigned long long)seq);
    if (bc->type == WPS_DATA_BINARY || bc->type == WPS_DATA_PROTOBUF) {
        for (i = 0; i < size; i++) p[i] = (unsigned char)(i * 7 + (i >> 9));
        *payload_len = size;
        f[n++] = '"';
        n += wps_base64_encode(p, size, f + n, cap - n);
        f[n++] = '"';
    } else if (bc->type == WPS_DATA_JSON) {
        /* {"k":"xxxx...","n":[1,2,3]} -- delivered as the raw JSON text */
        size_t m = 0;
        m += (size_t)snprintf((char *)p, size, "{\"k\":\"");
        while (m < size - 32) {
            p[m] = (unsigned char)('a' + m % 26);
            m++;
        }
        m += (size_t)snprintf((char *)p + m, 32, "\",\"n\":[1,2,3]}");
        *payload_len = m;
        memcpy(f + n, p, m);
        n += m;
    } else {
        /* escapes: "\n" -> 1 byte, "\u00e9" -> 2 bytes (é) */
        size_t m = 0;
        f[n++] = '"';
        while (m + 2 <= size) {
            if (m % 3 == 0) {
                memcpy(f + n, "\\u00e9", 6);
                n += 6;
                p[m++] = 0xC3;
                p[m++] = 0xA9;
            } else {
                memcpy(f + n, "\\n", 2);
                n += 2;
                p[m++] = '\n';
            }
        }
        *payload_len = m;
        f[n++] = '"';
    }
    f[n++] = '}';
    *frame_len = n;
    *payload = p;
    return f;
}

TEST large_messages_of_every_type_arrive_whole_in_place(void) {
    size_t size, i;
    void *mem = client_memory(&size);
    wps_client_config cfg = wps_client_config_default();
    wps_client *c = open_client(mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\",\"reconnectionToken\":\"t\"}");
    ASSERT(c != NULL);
    ASSERT(size < 256u * 1024u); /* the client's memory does not grow to the size of the message */
    for (i = 0; i < sizeof big_cases / sizeof big_cases[0]; i++) {
        const big_case *bc = &big_cases[i];
        size_t flen, plen;
        unsigned char *payload;
        char *frame = big_frame(bc, 2 * i + 1, &flen, &payload, &plen);
        char *copy = (char *)malloc(flen);
        wps_action a;
        memcpy(copy, frame, flen);
        /* read-only: JSON data is zero-copy and needs no scratch; the others are reported with
           the size needed, and the writable hand-over of the same frame delivers them */
        ASSERT_EQ(WPS_OK, wps_client_on_frame(c, 10, frame, flen, true));
        if (bc->type != WPS_DATA_JSON) {
            ASSERT(wps_client_poll(c, &a));
            ASSERTm(bc->name, a.kind == WPS_ACTION_EVENT && a.event == WPS_EVENT_FRAME_ERROR && a.status == WPS_ERR_BUFFER_TOO_SMALL);
            ASSERTm(bc->name, a.needed > cfg.max_frame_size && a.needed <= flen);
            ASSERT_FALSE(wps_client_poll(c, &a));
            ASSERT(memcmp(frame, copy, flen) == 0); /* read-only means read-only */
            ASSERT_EQ(WPS_OK, wps_client_on_frame_writable(c, 11, frame, flen, true));
        }
        ASSERT(wps_client_poll(c, &a));
        ASSERTm(bc->name, a.kind == WPS_ACTION_EVENT && a.event == WPS_EVENT_GROUP_MESSAGE);
        ASSERTm(bc->name, a.message->data_type == bc->type && a.message->data.len == plen);
        ASSERTm(bc->name, memcmp(a.message->data.ptr, payload, plen) == 0);
        ASSERTm(bc->name, a.message->sequence_id == 2 * i + 1);
        ASSERT_FALSE(wps_client_poll(c, &a));
        free(frame);
        free(copy);
        free(payload);
    }
    /* every lost message came again: the acknowledgement covers them all */
    ASSERT_EQ(WPS_OK, wps_client_tick(c, 2000));
    {
        wps_action a;
        ASSERT(wps_client_poll(c, &a));
        ASSERT(a.kind == WPS_ACTION_SEND && strstr(a.frame.ptr, "\"sequenceId\":7") != NULL);
    }
    free(mem);
    PASS();
}

/* P6 item 3: a borrowed call keeps no copy of its data: each attempt is encoded from the
   caller's memory as it is handed over. (White-box: the test changes the data between two
   attempts, which the lifetime rule forbids a real caller, to see where the frame comes from.)
   A change that no longer encodes is not sent: the call ends with WPS_ERR_INVALID_ARGUMENT. */
TEST borrowed_call_is_encoded_from_the_callers_memory_at_each_attempt(void) {
    size_t size;
    void *mem = client_memory(&size);
    wps_client *c = open_client(mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\",\"reconnectionToken\":\"t\"}");
    wps_call_options o;
    wps_call_id id, bad;
    wps_action a;
    char data[8] = "first", group[4] = "g";
    int sends = 0, completes = 0;
    memset(&o, 0, sizeof o);
    o.borrow_payload = true;
    ASSERT(c != NULL);
    ASSERT_EQ(WPS_OK, wps_client_send_to_group(c, 1, wps_slice_from_cstr(group), WPS_DATA_TEXT, wps_slice_make(data, 5), &o, &id, NULL));
    ASSERT(wps_client_poll(c, &a) && a.kind == WPS_ACTION_SEND && strstr(a.frame.ptr, "\"data\":\"first\"") != NULL);
    memcpy(data, "again", 5);
    ASSERT_EQ(WPS_OK, wps_client_on_close(c, 2, 1006, NULL, 0));
    drain_all(c);
    ASSERT_EQ(WPS_OK, wps_client_on_open(c, 3));
    while (wps_client_poll(c, &a)) {
        if (a.kind == WPS_ACTION_SEND) {
            ASSERT(strstr(a.frame.ptr, "\"data\":\"again\"") != NULL && strstr(a.frame.ptr, "\"ackId\":1") != NULL);
            sends++;
        }
    }
    ASSERT_EQ(1, sends);
    feed(c, 4, "{\"type\":\"ack\",\"ackId\":1,\"success\":true}");
    ASSERT(wps_client_poll(c, &a) && a.kind == WPS_ACTION_COMPLETE && a.call == id && a.status == WPS_OK);
    /* against the rule: the data becomes invalid UTF-8 before its attempt is polled */
    memcpy(data, "okay", 4);
    ASSERT_EQ(WPS_OK, wps_client_send_to_group(c, 5, wps_slice_from_cstr(group), WPS_DATA_TEXT, wps_slice_make(data, 4), &o, &bad, NULL));
    data[0] = (char)0xff;
    while (wps_client_poll(c, &a)) {
        ASSERT(a.kind != WPS_ACTION_SEND);
        if (a.kind == WPS_ACTION_COMPLETE) {
            ASSERT(a.call == bad && a.status == WPS_ERR_INVALID_ARGUMENT && !a.sent);
            completes++;
        }
    }
    ASSERT_EQ(1, completes);
    free(mem);
    PASS();
}

/* The internal frame buffer holds a rejoin per group and a cancel per invocation with names
   that need no escaping (10 KB less than room for every name escaped 6 times in the default
   configuration): a group name or invocation id whose escapes would not fit beside the others
   is refused with WPS_ERR_CAPACITY; ordinary names are not. */
TEST names_that_escape_beyond_the_internal_frame_buffer_are_refused(void) {
    wps_client_config cfg = wps_client_config_default();
    wps_client *c = NULL;
    wps_call_options o;
    wps_call_id id;
    wps_diag d;
    char controls[24];
    void *mem;
    size_t size;
    cfg.max_groups = 1;
    cfg.max_calls = 2;
    cfg.max_name_len = 24;
    size = wps_client_memory_size(&cfg);
    mem = malloc(size);
    memset(controls, 1, sizeof controls);
    memset(&o, 0, sizeof o);
    /* a group whose name escapes a little, then an invocation id that escapes a lot */
    ASSERT_EQ(WPS_OK, wps_client_init(&c, &cfg, mem, size, NULL));
    ASSERT_EQ(WPS_OK, wps_client_join_group(c, 0, wps_slice_make(controls, 8), NULL, &id, &d));
    o.invocation_id = wps_slice_make(controls, sizeof controls);
    ASSERT_EQ(WPS_ERR_CAPACITY, wps_client_invoke_event(c, 0, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), &o, &id, &d));
    ASSERT(strstr(d.reason, "escapes") != NULL);
    o.invocation_id = wps_slice_from_cstr("abc");
    ASSERT_EQ(WPS_OK, wps_client_invoke_event(c, 0, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), &o, &id, &d));
    /* an invocation id that escapes a little, then a group name that escapes a lot */
    ASSERT_EQ(WPS_OK, wps_client_init(&c, &cfg, mem, size, NULL));
    o.invocation_id = wps_slice_make(controls, 12);
    ASSERT_EQ(WPS_OK, wps_client_invoke_event(c, 0, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), &o, &id, &d));
    ASSERT_EQ(WPS_ERR_CAPACITY, wps_client_join_group(c, 0, wps_slice_make(controls, sizeof controls), NULL, &id, &d));
    ASSERT(strstr(d.reason, "escapes") != NULL);
    ASSERT_EQ(WPS_OK, wps_client_join_group(c, 0, wps_slice_from_cstr("lobby"), NULL, &id, &d));
    free(mem);
    PASS();
}

/* A rejoin frame queued and not polled keeps its ackId when the rejoin settles first (a stop,
   or its ack read early): a borrow_payloads client, which encodes the frame only when it is
   handed over, sends the same frame as a copying one (review finding: it sent "ackId":0 and
   failed its invariant check). */
TEST rejoin_frame_keeps_its_ack_id_when_the_rejoin_settles_before_it_is_polled(void) {
    int borrow, early_ack;
    for (borrow = 0; borrow < 2; borrow++)
        for (early_ack = 0; early_ack < 2; early_ack++) {
            wps_client_config cfg = wps_client_config_default();
            wps_client *c = NULL;
            wps_call_id id;
            wps_action a;
            size_t size;
            void *mem;
            int rejoins = 0;
            cfg.borrow_payloads = borrow != 0;
            cfg.protocol = WPS_PROTOCOL_JSON; /* a drop reconnects afresh, and the group is rejoined */
            cfg.keepalive_interval_ms = 0;
            cfg.keepalive_timeout_ms = 0;
            size = wps_client_memory_size(&cfg);
            mem = malloc(size);
            c = open_client_with(&cfg, NULL, NULL, mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\"}");
            ASSERT(c != NULL);
            ASSERT_EQ(WPS_OK, wps_client_join_group(c, 2, wps_slice_from_cstr("g1"), NULL, &id, NULL));
            drain_all(c);
            feed(c, 3, "{\"type\":\"ack\",\"ackId\":1,\"success\":true}");
            drain_all(c);
            ASSERT_EQ(WPS_OK, wps_client_on_close(c, 4, 1006, NULL, 0));
            drain_all(c);
            wps_client_set_url(c, 5, client_url, sizeof client_url - 1);
            drain_all(c);
            wps_client_on_open(c, 6);
            feed(c, 7, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"B\"}"); /* queues the rejoin, ackId 2 */
            if (early_ack) feed(c, 8, "{\"type\":\"ack\",\"ackId\":2,\"success\":true}");
            else ASSERT_EQ(WPS_OK, wps_client_stop(c, 8));
            while (wps_client_poll(c, &a))
                if (a.kind == WPS_ACTION_SEND && strstr(a.frame.ptr, "joinGroup")) {
                    ASSERTm(borrow ? "borrow_payloads" : "copying", strstr(a.frame.ptr, "\"ackId\":2") != NULL);
                    rejoins++;
                }
            ASSERT_EQ(1, rejoins);
            free(mem);
        }
    PASS();
}

/* P6 item 3: wps_client_config_embedded is the defaults with the device capacities of docs/client-guide.md,
   and its memory is the figure there (6,432 bytes on 32-bit targets, 7,112 on 64-bit). */
TEST config_embedded_is_the_readme_configuration(void) {
    wps_client_config d = wps_client_config_default(), e = wps_client_config_embedded();
    ASSERT(e.max_calls == 8 && e.max_groups == 8 && e.max_name_len == 32 && e.max_frame_size == 1088);
    ASSERT(e.max_url_len == 512 && e.max_token_len == 256 && e.borrow_payloads && e.receive_in_place);
    ASSERT(e.protocol == d.protocol && e.keepalive_interval_ms == d.keepalive_interval_ms && e.message_retry.max_retries == d.message_retry.max_retries);
    ASSERT_EQ((size_t)(sizeof(void *) == 4 ? 6432 : 7112), wps_client_memory_size(&e));
    PASS();
}

/* P6 item 3: borrow_payloads drops the per-call frame copies (max_calls frames) and the
   internal-frame buffer ((groups + calls) x (66 + max_name_len) + 96 bytes): every frame is
   encoded when handed over, into one transmit buffer that also holds the open URL (here the
   larger of the two), so it costs nothing more. */
TEST borrow_payloads_keeps_one_transmit_buffer_not_a_frame_per_call(void) {
    wps_client_config copy = wps_client_config_default(), borrow;
    copy.max_calls = 8;
    copy.max_groups = 8;
    copy.max_frame_size = 1088;
    copy.max_name_len = 32;
    borrow = copy;
    borrow.borrow_payloads = true;
    ASSERT(wps_client_memory_size(&borrow) > 0);
    ASSERT_EQ(wps_client_memory_size(&copy) - 8u * 1088u - (16u * (66u + 32u) + 96u), wps_client_memory_size(&borrow));
    /* receive_in_place: no receive scratch either */
    {
        wps_client_config in_place = borrow;
        in_place.receive_in_place = true;
        ASSERT_EQ(wps_client_memory_size(&borrow) - 1088u, wps_client_memory_size(&in_place));
    }
    /* the disconnected message is kept up to max_token_len bytes when that is under 512 */
    {
        wps_client_config t256 = borrow, t512 = borrow;
        t256.max_token_len = 256;
        t512.max_token_len = 512;
        ASSERT_EQ(wps_client_memory_size(&t512) - 3u * 256u - 256u, wps_client_memory_size(&t256) + 2u * 256u);
    }
    PASS();
}

/* P5 items 1 and 3: what the host never polled was never sent. A fire-and-forget send and an
   acked send queued when the socket drops are taken back (no completion for the first), go out
   in order after the recovery, and a call stopped before any attempt was polled is "unsent". */
TEST unpolled_sends_are_taken_back_on_a_drop(void) {
    size_t size;
    void *mem = client_memory(&size);
    wps_client *c = open_client(mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\",\"reconnectionToken\":\"t\"}");
    wps_call_options ff;
    wps_call_id f, k, s;
    wps_action a;
    int sends = 0, completes = 0;
    memset(&ff, 0, sizeof ff);
    ff.fire_and_forget = true;
    ASSERT_EQ(WPS_OK, wps_client_send_to_group(c, 1, wps_slice_from_cstr("g"), WPS_DATA_TEXT, wps_slice_from_cstr("f"), &ff, &f, NULL));
    ASSERT_EQ(WPS_OK, wps_client_send_event(c, 1, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("k"), NULL, &k, NULL));
    /* nothing polled: the socket drops */
    ASSERT_EQ(WPS_OK, wps_client_on_close(c, 2, 1006, NULL, 0));
    while (wps_client_poll(c, &a)) {
        ASSERT(a.kind != WPS_ACTION_SEND && a.kind != WPS_ACTION_COMPLETE);
    }
    ASSERT_EQ(WPS_OK, wps_client_on_open(c, 3));
    while (wps_client_poll(c, &a)) {
        if (a.kind == WPS_ACTION_SEND && strstr(a.frame.ptr, "sendToGroup")) ASSERT_EQ(0, sends++);
        if (a.kind == WPS_ACTION_SEND && strstr(a.frame.ptr, "\"event\"")) ASSERT_EQ(1, sends++);
        if (a.kind == WPS_ACTION_COMPLETE) {
            ASSERT(a.call == f && a.status == WPS_OK && a.sent);
            completes++;
        }
    }
    ASSERT_EQ(2, sends);
    ASSERT_EQ(1, completes);
    /* a send queued and stopped before it was polled: never sent */
    ASSERT_EQ(WPS_OK, wps_client_send_event(c, 4, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("s"), NULL, &s, NULL));
    ASSERT_EQ(WPS_OK, wps_client_stop(c, 5));
    completes = 0;
    while (wps_client_poll(c, &a)) {
        ASSERT(!(a.kind == WPS_ACTION_SEND && strstr(a.frame.ptr, "\"data\":\"s\"")));
        if (a.kind == WPS_ACTION_COMPLETE && a.call == s) {
            ASSERT(a.status == WPS_ERR_STOPPED && !a.sent);
            completes++;
        }
        if (a.kind == WPS_ACTION_COMPLETE && a.call == k) {
            ASSERT(a.status == WPS_ERR_STOPPED && a.sent);
            completes++;
        }
    }
    ASSERT_EQ(2, completes);
    free(mem);
    PASS();
}

/* P5 item 4: a refused call says why in its diag, with the size it would need. */
TEST refused_calls_explain_themselves(void) {
    size_t size;
    void *mem = client_memory(&size);
    wps_client *c = open_client(mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\"}");
    wps_client_config cfg = wps_client_config_default();
    static char big[20000];
    wps_diag d;
    wps_call_id id;
    uint32_t i;
    memset(big, 'x', sizeof big);
    ASSERT_EQ(WPS_ERR_TOO_LARGE, wps_client_send_to_group(c, 1, wps_slice_from_cstr("g"), WPS_DATA_TEXT, wps_slice_make(big, sizeof big), NULL, &id, &d));
    ASSERT_EQ(WPS_ERR_TOO_LARGE, d.status);
    ASSERT(d.needed > sizeof big && strstr(d.reason, "max_frame_size") != NULL);
    ASSERT_EQ(0u, id);
    for (i = 0; i < cfg.max_calls; i++)
        ASSERT_EQ(WPS_OK, wps_client_send_event(c, 1, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), NULL, &id, &d));
    ASSERT_EQ(WPS_ERR_TOO_MANY_CALLS, wps_client_send_event(c, 1, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), NULL, &id, &d));
    ASSERT(strstr(d.reason, "max_calls") != NULL);
    free(mem);
    PASS();
}

/* P6 item 8: the trace hook reports state transitions, recovery attempts, resends, retries with
   their reasons, dropped frames and refused calls; nothing when it is off. */
typedef struct trace_log {
    char text[4096];
    size_t n;
    int count;
} trace_log;

static void trace_to_log(void *user, const wps_trace *t) {
    trace_log *l = (trace_log *)user;
    int w = snprintf(l->text + l->n, sizeof l->text - l->n, "%s:%s;", wps_trace_kind_name(t->kind), t->text);
    if (w > 0 && (size_t)w < sizeof l->text - l->n) l->n += (size_t)w;
    l->count++;
}

TEST trace_hook_reports_what_the_client_decides(void) {
    size_t size;
    void *mem = client_memory(&size);
    wps_client *c = open_client(mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\",\"reconnectionToken\":\"t\"}");
    trace_log log;
    wps_call_id id;
    static char big[9000];
    memset(&log, 0, sizeof log);
    memset(big, 'x', sizeof big);
    ASSERT_EQ(WPS_OK, wps_client_send_event(c, 1, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), NULL, &id, NULL));
    drain_all(c);
    ASSERT_EQ(0, log.count); /* off by default */
    wps_client_set_trace(c, trace_to_log, &log);
    ASSERT_EQ(WPS_OK, wps_client_on_close(c, 2, 1006, NULL, 0));
    drain_all(c);
    ASSERT_EQ(WPS_OK, wps_client_on_open(c, 3));
    drain_all(c);
    feed(c, 4, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"InternalServerError\"}}");
    drain_all(c);
    feed(c, 5, "{\"type\":\"ack\",\"ackId\":99,\"success\":true}");
    drain_all(c);
    feed(c, 6, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"a\",\"sequenceId\":1}");
    drain_all(c);
    feed(c, 7, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"a\",\"sequenceId\":1}");
    drain_all(c);
    feed(c, 8, "{\"type\":");
    drain_all(c);
    ASSERT_EQ(WPS_ERR_TOO_LARGE, wps_client_send_event(c, 9, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_make(big, sizeof big), NULL, &id, NULL));
#ifndef WPS_NO_TRACE
    ASSERT_STR_EQ("state:READY -> RECOVER_OPENING;recovery:recovery attempt;state:RECOVER_OPENING -> READY;"
                  "resend:sent again: its connection ended before the answer;retry:the service answered with an error;"
                  "frame-dropped:an ack for no pending call;frame-dropped:duplicate sequenceId;frame-refused:unexpected end of input, value expected at byte 8;"
                  "call-refused:the frame is larger than max_frame_size;",
                  log.text);
#endif
    ASSERT_STR_EQ("not-kept", wps_trace_kind_name(WPS_TRACE_NOT_KEPT));
    ASSERT_STR_EQ("", wps_trace_kind_name((wps_trace_kind)(WPS_TRACE_NOT_KEPT + 1)));
    wps_client_set_trace(c, NULL, NULL);
    log.count = 0;
    ASSERT_EQ(WPS_OK, wps_client_stop(c, 10));
    drain_all(c);
    ASSERT_EQ(0, log.count);
    free(mem);
    PASS();
}

/* A connectionId or reconnectionToken longer than max_token_len is not kept, which makes the
   session unrecoverable (a drop then reconnects afresh); the trace says so, with the length. */
TEST ids_longer_than_max_token_len_are_traced(void) {
    wps_client_config cfg = wps_client_config_default();
    size_t size;
    void *mem;
    wps_client *c = NULL;
    trace_log log;
    wps_action a;
    int need_url = 0;
    cfg.max_token_len = 16;
    size = wps_client_memory_size(&cfg);
    mem = malloc(size);
    memset(&log, 0, sizeof log);
    c = open_client_with(&cfg, trace_to_log, &log, mem, size,
                         "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\",\"userId\":\"u\",\"reconnectionToken\":\"0123456789abcdefXYZ\"}");
    ASSERT(c != NULL);
#ifndef WPS_NO_TRACE
    ASSERT(strstr(log.text, "not-kept:reconnectionToken longer than max_token_len (the session cannot be recovered);") != NULL);
#endif
    ASSERT_EQ(WPS_OK, wps_client_on_close(c, 1, 1006, NULL, 0));
    while (wps_client_poll(c, &a)) need_url += a.kind == WPS_ACTION_NEED_URL; /* no recovery: a fresh connection */
    ASSERT_EQ(1, need_url);
    free(mem);
    PASS();
}

/* P6 item 3: the recovery URL has 2 * max_token_len bytes for the connectionId and the
   reconnectionToken URL-encoded (a byte outside A-Z a-z 0-9 * - . _ takes 3, a space is '+'),
   which is what keeps the embedded transmit buffer at one frame. A pair that fits, up to the
   last byte, recovers with both in the URL; one byte more and the token is not kept (traced),
   so a drop reconnects afresh. max_token_len 16: room for 32. */
TEST recovery_url_room_is_twice_max_token_len_url_encoded(void) {
    static const struct {
        const char *conn, *token; /* each within max_token_len */
        int recovers;
        const char *url_tail; /* the recovery URL ends with this */
    } cases[] = {
        {"A", "0123456789abcdef", 1, "awps_connection_id=A&awps_reconnection_token=0123456789abcdef"},
        {"a b", "x", 1, "awps_connection_id=a+b&awps_reconnection_token=x"},
        {"cc", "//////////", 1, "awps_connection_id=cc&awps_reconnection_token=%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F"}, /* 2 + 30 = 32 */
        {"ccc", "//////////", 0, NULL},                                                                          /* 33 */
        {"=", "0123456789abcdef", 1, "awps_connection_id=%3D&awps_reconnection_token=0123456789abcdef"},         /* 3 + 16 */
        {"==", "/////////", 0, NULL},                                                                            /* 6 + 27 = 33 */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_client_config cfg = wps_client_config_default();
        size_t size, tail;
        void *mem;
        wps_client *c;
        trace_log log;
        wps_action a;
        int need_url = 0, open = 0;
        char frame[256], url[512] = "";
        cfg.max_token_len = 16;
        size = wps_client_memory_size(&cfg);
        mem = malloc(size);
        memset(&log, 0, sizeof log);
        snprintf(frame, sizeof frame, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"%s\",\"reconnectionToken\":\"%s\"}", cases[i].conn,
                 cases[i].token);
        c = open_client_with(&cfg, trace_to_log, &log, mem, size, frame);
        ASSERT(c != NULL);
        ASSERT_EQ(WPS_OK, wps_client_on_close(c, 1, 1006, NULL, 0));
        while (wps_client_poll(c, &a)) {
            need_url += a.kind == WPS_ACTION_NEED_URL;
            if (a.kind == WPS_ACTION_OPEN) {
                open++;
                snprintf(url, sizeof url, "%.*s", (int)a.url.len, a.url.ptr);
            }
        }
        ASSERTm(cases[i].conn, need_url == !cases[i].recovers && open == cases[i].recovers);
        if (cases[i].recovers) {
            tail = strlen(cases[i].url_tail);
            ASSERTm(url, strlen(url) >= tail && strcmp(url + strlen(url) - tail, cases[i].url_tail) == 0);
        }
#ifndef WPS_NO_TRACE
        ASSERTm(log.text, (strstr(log.text, "not-kept:reconnectionToken: with the connectionId, longer than 2 * max_token_len URL-encoded") != NULL) ==
                              !cases[i].recovers);
#endif
        free(mem);
    }
    PASS();
}

/* wps_client_restore holds the same rule: a snapshot whose pair needs more room than this
   client's 2 * max_token_len is refused with WPS_ERR_CAPACITY and changes nothing. */
TEST restore_refuses_a_pair_too_long_url_encoded(void) {
    wps_client_config big = wps_client_config_default(), small;
    size_t size = wps_client_memory_size(&big), n = 0;
    void *m1 = malloc(size), *m2;
    unsigned char snap[4096];
    wps_client *c = open_client(m1, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"////////////////\",\"reconnectionToken\":\"////////////////\"}");
    wps_client *d = NULL;
    wps_diag diag;
    ASSERT(c != NULL);
    ASSERT_EQ(WPS_OK, wps_client_snapshot(c, snap, sizeof snap, &n));
    small = big;
    small.max_token_len = 40; /* 16 bytes each fit, 96 URL-encoded do not fit 80 */
    m2 = malloc(wps_client_memory_size(&small));
    ASSERT_EQ(WPS_OK, wps_client_init(&d, &small, m2, wps_client_memory_size(&small), NULL));
    ASSERT_EQ(WPS_ERR_CAPACITY, wps_client_restore(d, snap, n, &diag));
    ASSERT(strstr(diag.reason, "2 * max_token_len") != NULL);
    ASSERT_EQ(WPS_CLIENT_STOPPED, wps_client_get_state(d));
    small.max_token_len = 48; /* 96: fits */
    free(m2);
    m2 = malloc(wps_client_memory_size(&small));
    ASSERT_EQ(WPS_OK, wps_client_init(&d, &small, m2, wps_client_memory_size(&small), NULL));
    ASSERT_EQ(WPS_OK, wps_client_restore(d, snap, n, &diag));
    free(m1);
    free(m2);
    PASS();
}

/* Queue records are 8 bytes (P6 item 3): a call slot and a group entry take 16 bits, an event's
   status 8, an internal frame's length 21. These drive each field past a byte and past 16 bits
   where it can get there: a rejoin of group entry 299 fails (its event names that group, its
   ackId and its status), and a rejoin frame of a 65,536-byte name (65,600 bytes) is handed over
   whole, copied and borrowed. */
TEST queue_records_hold_large_group_entries_and_frame_lengths(void) {
    int mode;
    for (mode = 0; mode < 3; mode++) {
        wps_client_config cfg = wps_client_config_default();
        size_t size, i, n_groups = mode == 0 ? 300 : 1, name_len = mode == 0 ? 4 : 65536;
        void *mem;
        wps_client *c;
        wps_action a;
        wps_call_id id;
        char frame[200];
        static char big[65536];
        uint64_t failed_ack = 0;
        int failed = 0, rejoin_frames = 0;
        cfg.max_groups = 300;
        if (mode) {
            cfg.max_name_len = 65536;
            cfg.max_frame_size = 70000;
            cfg.borrow_payloads = mode == 2;
        }
        memset(big, 'a', sizeof big);
        size = wps_client_memory_size(&cfg);
        mem = malloc(size);
        c = open_client_with(&cfg, NULL, NULL, mem, size, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"A\",\"reconnectionToken\":\"t\"}");
        ASSERT(c != NULL);
        for (i = 0; i < n_groups; i++) {
            char g[8];
            wps_slice name = mode ? wps_slice_make(big, name_len) : wps_slice_make(g, (size_t)snprintf(g, sizeof g, "g%u", (unsigned)i));
            ASSERT_EQ(WPS_OK, wps_client_join_group(c, 1, name, NULL, &id, NULL));
            drain_all(c);
            snprintf(frame, sizeof frame, "{\"type\":\"ack\",\"ackId\":%u,\"success\":true}", (unsigned)i + 1);
            feed(c, 1, frame);
            drain_all(c);
        }
        ASSERT_EQ(WPS_OK, wps_client_on_close(c, 2, 1008, NULL, 0)); /* no recovery: a fresh connection rejoins */
        drain_all(c);
        ASSERT_EQ(WPS_OK, wps_client_set_url(c, 3, client_url, sizeof client_url - 1));
        drain_all(c);
        ASSERT_EQ(WPS_OK, wps_client_on_open(c, 4));
        feed(c, 4, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"B\",\"reconnectionToken\":\"t\"}");
        while (wps_client_poll(c, &a)) {
            if (a.kind != WPS_ACTION_SEND) continue;
            rejoin_frames++;
            if (mode) {
                ASSERT_EQ((size_t)65536 + 41, a.frame.len); /* {"type":"joinGroup","group":"a...a","ackId":2} */
                ASSERT(memcmp(a.frame.ptr, "{\"type\":\"joinGroup\",\"group\":\"aaaa", 33) == 0);
                ASSERT(memcmp(a.frame.ptr + a.frame.len - 12, "\",\"ackId\":2}", 12) == 0);
            } else if (strstr(a.frame.ptr, "\"group\":\"g299\"") && a.frame.len < 100) {
                const char *p = strstr(a.frame.ptr, "\"ackId\":");
                ASSERT(p != NULL);
                failed_ack = strtoull(p + 8, NULL, 10);
            }
        }
        ASSERT_EQ((int)n_groups, rejoin_frames);
        if (!mode) {
            ASSERT(failed_ack > 300);
            snprintf(frame, sizeof frame, "{\"type\":\"ack\",\"ackId\":%llu,\"success\":false,\"error\":{\"name\":\"Forbidden\",\"message\":\"no\"}}",
                     (unsigned long long)failed_ack);
            feed(c, 5, frame);
            while (wps_client_poll(c, &a)) {
                if (a.kind != WPS_ACTION_EVENT || a.event != WPS_EVENT_REJOIN_GROUP_FAILED) continue;
                failed++;
                ASSERT(a.group.len == 4 && memcmp(a.group.ptr, "g299", 4) == 0);
                ASSERT(a.has_ack_id && a.ack_id == failed_ack);
                ASSERT_EQ(WPS_ERR_ACK_FAILED, a.status);
                ASSERT(a.error_name.len == 9 && memcmp(a.error_name.ptr, "Forbidden", 9) == 0);
            }
            ASSERT_EQ(1, failed);
        }
        free(mem);
    }
    PASS();
}

TEST snapshot_rejects_corruption_and_changes_nothing(void) {
    wps_client_config cfg = wps_client_config_default();
    size_t need = wps_client_memory_size(&cfg), n = 0, i, small = 0;
    void *m1 = malloc(need), *m2 = malloc(need);
    unsigned char snap[4096], bad[4096];
    wps_client *c = connected_client(m1, need), *fresh = NULL;
    wps_action a;
    wps_diag d;
    ASSERT(c != NULL);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_snapshot(c, snap, 10, &small));
    ASSERT_EQ(WPS_OK, wps_client_snapshot(c, snap, sizeof snap, &n));
    ASSERT_EQ(n, small); /* the exact size is reported */
    ASSERT_EQ(WPS_ERR_STATE, wps_client_restore(c, snap, n, &d)); /* not stopped */
    {
        /* a stopped client with a call still pending (retrying) is refused too */
        wps_client_config cfg2 = wps_client_config_default();
        wps_client *other = NULL;
        wps_call_id id;
        ASSERT_EQ(WPS_OK, wps_client_init(&other, &cfg2, m2, need, NULL));
        ASSERT_EQ(WPS_OK, wps_client_join_group(other, 0, wps_slice_from_cstr("g"), NULL, &id, NULL));
        ASSERT_EQ(WPS_ERR_STATE, wps_client_restore(other, snap, n, &d));
    }
    ASSERT_EQ(WPS_OK, wps_client_init(&fresh, &cfg, m2, need, NULL));
    /* every truncation and every single-bit flip is refused */
    for (i = 0; i < n; i++) ASSERT_EQ(WPS_ERR_SNAPSHOT, wps_client_restore(fresh, snap, i, &d));
    for (i = 0; i < n * 8; i++) {
        memcpy(bad, snap, n);
        bad[i / 8] ^= (unsigned char)(1u << (i % 8));
        ASSERT_EQ(WPS_ERR_SNAPSHOT, wps_client_restore(fresh, bad, n, &d));
        ASSERT(d.reason[0] != 0);
    }
    /* a snapshot of another subprotocol */
    cfg.protocol = WPS_PROTOCOL_JSON;
    ASSERT_EQ(WPS_OK, wps_client_init(&fresh, &cfg, m2, need, NULL));
    ASSERT_EQ(WPS_ERR_SNAPSHOT, wps_client_restore(fresh, snap, n, &d));
    /* a client too small for it */
    cfg = wps_client_config_default();
    cfg.max_groups = 0;
    ASSERT_EQ(WPS_OK, wps_client_init(&fresh, &cfg, m2, need, NULL));
    ASSERT_EQ(WPS_ERR_CAPACITY, wps_client_restore(fresh, snap, n, &d));
    /* after all those refusals the client is untouched: start is a fresh connect */
    ASSERT_EQ(WPS_OK, wps_client_start(fresh, 0));
    ASSERT(wps_client_poll(fresh, &a));
    ASSERT_EQ(WPS_ACTION_NEED_URL, a.kind);
    /* and a good one restores: start recovers */
    cfg = wps_client_config_default();
    ASSERT_EQ(WPS_OK, wps_client_init(&fresh, &cfg, m2, need, NULL));
    ASSERT_EQ(WPS_OK, wps_client_restore(fresh, snap, n, &d));
    ASSERT_EQ(WPS_OK, wps_client_start(fresh, 0));
    ASSERT(wps_client_poll(fresh, &a));
    ASSERT_EQ(WPS_EVENT_RECOVERING, a.event);
    {
        /* restore then snapshot gives the same bytes */
        unsigned char again[4096];
        size_t m = 0;
        ASSERT_EQ(WPS_OK, wps_client_snapshot(fresh, again, sizeof again, &m));
        ASSERT_EQ(n, m);
        ASSERT_MEM_EQ(snap, again, n);
    }
    {
        /* a stopped client whose disconnected event (which reads the connection id at poll) is
           still queued is refused until that event is polled */
        ASSERT_EQ(WPS_OK, wps_client_stop(c, 1));
        ASSERT_EQ(WPS_OK, wps_client_on_close(c, 2, 1000, NULL, 0));
        ASSERT_EQ(WPS_ERR_BUSY, wps_client_restore(c, snap, n, &d));
        while (wps_client_poll(c, &a))
            if (a.kind == WPS_ACTION_EVENT && a.event == WPS_EVENT_DISCONNECTED) ASSERT(a.connection_id.len == 1 && a.connection_id.ptr[0] == 'A');
        ASSERT_EQ(WPS_OK, wps_client_restore(c, snap, n, &d));
    }
    free(m1);
    free(m2);
    PASS();
}

TEST on_frame_waits_until_frame_actions_are_polled(void) {
    size_t need;
    void *mem = client_memory(&need);
    wps_client *c = connected_client(mem, need);
    wps_action a;
    static const char msg[] = "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"x\"}";
    ASSERT(c != NULL);
    ASSERT_EQ(WPS_OK, wps_client_on_frame(c, 1, msg, sizeof msg - 1, true));
    /* the message event points into that frame: a second frame must wait */
    ASSERT_EQ(WPS_ERR_BUSY, wps_client_on_frame(c, 2, msg, sizeof msg - 1, true));
    ASSERT(wps_client_poll(c, &a));
    ASSERT_EQ(WPS_EVENT_SERVER_MESSAGE, a.event);
    ASSERT_EQ(WPS_OK, wps_client_on_frame(c, 3, msg, sizeof msg - 1, true));
    free(mem);
    PASS();
}

/* Review findings, as unit tests (each failed before its fix). */

/* A failed ack's error details point into its frame; once the host has reused the frame, a later
   completion of that call (here a cancel) must not carry them (ASan saw a use after free). */
TEST completion_after_a_failed_ack_carries_no_stale_error(void) {
    size_t need;
    void *mem = client_memory(&need);
    wps_client *c = connected_client(mem, need);
    wps_call_id id;
    wps_action a;
    static const char fail_ack[] = "{\"type\":\"ack\",\"ackId\":2,\"success\":false,\"error\":{\"name\":\"InternalServerError\",\"message\":\"boom\"}}";
    char *frame = (char *)malloc(sizeof fail_ack);
    int completed = 0;
    ASSERT(c != NULL);
    ASSERT_EQ(WPS_OK, wps_client_send_event(c, 1, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), NULL, &id, NULL));
    drain_all(c);
    memcpy(frame, fail_ack, sizeof fail_ack);
    ASSERT_EQ(WPS_OK, wps_client_on_frame(c, 2, frame, sizeof fail_ack - 1, true));
    ASSERT_FALSE(wps_client_poll(c, &a)); /* a retry is scheduled: nothing refers to the frame */
    free(frame);
    ASSERT_EQ(WPS_OK, wps_client_cancel(c, 3, id));
    while (wps_client_poll(c, &a)) {
        if (a.kind != WPS_ACTION_COMPLETE) continue;
        completed++;
        ASSERT_EQ(WPS_ERR_CANCELLED, a.status);
        ASSERT(a.error_name.ptr == NULL && a.error_message.ptr == NULL);
    }
    ASSERT_EQ(1, completed);
    free(mem);
    PASS();
}

/* A host may poll every action first and act on them afterwards: each internal frame keeps its
   own bytes until the next input (they all shared one buffer before). */
TEST internal_frames_stay_valid_until_the_next_input(void) {
    size_t need;
    void *mem = client_memory(&need);
    wps_client *c = connected_client(mem, need);
    wps_action acts[16];
    int n = 0, i;
    wps_call_id id;
    ASSERT(c != NULL); /* joined "lobby" with ackId 1 */
    wps_client_join_group(c, 1, wps_slice_from_cstr("a-much-longer-group-name"), NULL, &id, NULL);
    drain_all(c);
    feed(c, 1, "{\"type\":\"ack\",\"ackId\":2,\"success\":true}");
    drain_all(c);
    reconnect_fresh(c, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"B\",\"reconnectionToken\":\"t\"}");
    while (n < 16 && wps_client_poll(c, &acts[n])) n++;
    {
        char first[128], second[128];
        int k = 0;
        for (i = 0; i < n; i++) {
            if (acts[i].kind != WPS_ACTION_SEND) continue;
            if (k == 0) snprintf(first, sizeof first, "%.*s", (int)acts[i].frame.len, acts[i].frame.ptr);
            else snprintf(second, sizeof second, "%.*s", (int)acts[i].frame.len, acts[i].frame.ptr);
            k++;
        }
        ASSERT_EQ(2, k);
        ASSERT_STR_EQ("{\"type\":\"joinGroup\",\"group\":\"lobby\",\"ackId\":3}", first);
        ASSERT_STR_EQ("{\"type\":\"joinGroup\",\"group\":\"a-much-longer-group-name\",\"ackId\":4}", second);
    }
    free(mem);
    PASS();
}

/* stop() with every group rejoining and every call an invocation in flight: the queue holds
   all of it (one completion and one cancelInvocation per call); nothing is lost. */
TEST stop_with_every_capacity_in_use_loses_nothing(void) {
    wps_client_config cfg = wps_client_config_default();
    size_t need = wps_client_memory_size(&cfg);
    void *mem = malloc(need);
    wps_client *c = open_client(mem, need, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"A\"}");
    wps_action a;
    wps_call_id id;
    uint32_t i;
    int completions = 0, closes = 0, stopped = 0, cancels = 0;
    char name[32], ack[64];
    ASSERT(c != NULL);
    for (i = 0; i < cfg.max_groups; i++) {
        snprintf(name, sizeof name, "g%u", i);
        ASSERT_EQ(WPS_OK, wps_client_join_group(c, 1, wps_slice_from_cstr(name), NULL, &id, NULL));
        drain_all(c);
        snprintf(ack, sizeof ack, "{\"type\":\"ack\",\"ackId\":%u,\"success\":true}", i + 1);
        feed(c, 1, ack);
        drain_all(c);
    }
    reconnect_fresh(c, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"B\"}"); /* with rejoins */
    drain_all(c); /* 16 rejoins in flight */
    for (i = 0; i < cfg.max_calls; i++) ASSERT_EQ(WPS_OK, wps_client_invoke_event(c, 6, wps_slice_from_cstr("e"), WPS_DATA_TEXT, wps_slice_from_cstr("x"), NULL, &id, NULL));
    drain_all(c); /* all sent */
    ASSERT_EQ(WPS_OK, wps_client_stop(c, 7));
    while (wps_client_poll(c, &a)) {
        completions += a.kind == WPS_ACTION_COMPLETE;
        closes += a.kind == WPS_ACTION_CLOSE;
        cancels += a.kind == WPS_ACTION_SEND && strstr(a.frame.ptr, "cancelInvocation") != NULL;
    }
    ASSERT_EQ((int)cfg.max_calls, completions);
    ASSERT_EQ((int)cfg.max_calls, cancels);
    ASSERT_EQ(1, closes);
    wps_client_on_close(c, 8, 1000, NULL, 0);
    while (wps_client_poll(c, &a)) stopped += a.kind == WPS_ACTION_EVENT && a.event == WPS_EVENT_STOPPED;
    ASSERT_EQ(1, stopped);
    free(mem);
    PASS();
}

TEST null_and_misuse_are_refused(void) {
    wps_client_config cfg = wps_client_config_default();
    size_t need = wps_client_memory_size(&cfg);
    void *mem = malloc(need);
    wps_client *c = NULL;
    wps_action a;
    wps_call_id id = 99;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_start(NULL, 0));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_init(NULL, &cfg, mem, need, NULL));
    ASSERT_EQ(WPS_OK, wps_client_init(&c, &cfg, mem, need, NULL));
    ASSERT_FALSE(wps_client_poll(c, &a));
    ASSERT_EQ(WPS_ACTION_NONE, a.kind);
    ASSERT_FALSE(wps_client_poll(c, NULL));
    ASSERT_EQ(WPS_ERR_STATE, wps_client_on_open(c, 0));
    ASSERT_EQ(WPS_ERR_STATE, wps_client_on_close(c, 0, 1000, NULL, 0));
    ASSERT_EQ(WPS_ERR_STATE, wps_client_on_frame(c, 0, "{}", 2, true));
    ASSERT_EQ(WPS_ERR_STATE, wps_client_set_url(c, 0, "wss://x/", 8));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_join_group(c, 0, wps_slice_from_cstr(""), NULL, &id, NULL));
    ASSERT_EQ(0u, id);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_cancel(c, 0, 12345));
    ASSERT_EQ(WPS_OK, wps_client_stop(c, 0)); /* stopping a stopped client is a no-op */
    ASSERT_FALSE(wps_client_poll(c, &a));
    /* invalid JSON data for a json call is refused at once */
    ASSERT_EQ(WPS_ERR_SYNTAX, wps_client_send_event(c, 0, wps_slice_from_cstr("e"), WPS_DATA_JSON, wps_slice_from_cstr("{"), NULL, &id, NULL));
    free(mem);
    PASS();
}

/* ------------------------------------------------------------------ scenario runner */

#define MAX_LABELS 64
#define MAX_PENDING 512

typedef struct runner {
    const char *path;
    int line;
    wps_client_config cfg;
    wps_client *c;
    void *mem;
    uint64_t now;
    int started;
    char labels[MAX_LABELS][32];
    wps_call_id ids[MAX_LABELS];
    int nlabels;
    char *pending[MAX_PENDING]; /* actions of the last input, as canonical text */
    int npending, next;
    char err[1024];
    unsigned char bin[65536];
    char wframe[16384]; /* recv-writable: the frame the client may rewrite */
    unsigned char snap[16384];
    size_t snap_len;
    char keep[65536]; /* borrowed calls' names and data: alive for the whole scenario */
    size_t keep_used;
} runner;

/* A copy of n bytes that lives as long as the scenario (a borrowed call's argument; the line
   buffer is overwritten by the next line). */
static char *keep_bytes(runner *r, const char *p, size_t n) {
    char *at;
    if (r->keep_used + n + 1 > sizeof r->keep) return NULL;
    at = r->keep + r->keep_used;
    memcpy(at, p, n);
    at[n] = 0;
    r->keep_used += n + 1;
    return at;
}

static char *dupstr(const char *s) {
    size_t n = strlen(s);
    char *p = (char *)malloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

static void clear_pending(runner *r) {
    int i;
    for (i = 0; i < r->npending; i++) free(r->pending[i]);
    r->npending = r->next = 0;
}

static const char *label_of(runner *r, wps_call_id id) {
    int i;
    for (i = 0; i < r->nlabels; i++)
        if (r->ids[i] == id) return r->labels[i];
    return "?";
}

static wps_call_id id_of(runner *r, const char *label) {
    int i;
    for (i = 0; i < r->nlabels; i++)
        if (!strcmp(r->labels[i], label)) return r->ids[i];
    return 0;
}

/* Renders a message in the rendered (kind) shape. */
static void render_msg(const wps_message *m, char *out, size_t cap) {
    size_t n = 0;
    if (wps_message_render(m, out, cap - 1, &n) != WPS_OK) n = 0;
    out[n] = 0;
}

/* Canonical text of a wire frame sent upstream: its rendered message. */
static int canon_frame(const char *json, size_t len, char *out, size_t cap) {
    static char scratch[65536];
    wps_codec up = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
    wps_message m;
    if (wps_decode(&up, json, len, scratch, sizeof scratch, &m, NULL) != WPS_OK) return 0;
    render_msg(&m, out, cap);
    return 1;
}

static int canon_rendered(const char *json, char *out, size_t cap) {
    static char scratch[65536];
    wps_codec c = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM);
    wps_message m;
    if (wps_message_parse_rendered(&c, json, strlen(json), scratch, sizeof scratch, &m, NULL) != WPS_OK) return 0;
    render_msg(&m, out, cap);
    return 1;
}

static void sl(char *dst, size_t cap, wps_slice s) {
    size_t n = s.ptr ? (s.len < cap - 1 ? s.len : cap - 1) : 0;
    if (!s.ptr) {
        snprintf(dst, cap, "-");
        return;
    }
    memcpy(dst, s.ptr, n);
    dst[n] = 0;
}

static void describe(runner *r, const wps_action *a, char *out, size_t cap) {
    char x[2048], y[2048], z[4096];
    switch (a->kind) {
    case WPS_ACTION_NEED_URL: snprintf(out, cap, "need-url"); break;
    case WPS_ACTION_OPEN:
        sl(x, sizeof x, a->url);
        snprintf(out, cap, "open %s %s", x, a->subprotocol);
        break;
    case WPS_ACTION_SEND:
        if (!canon_frame(a->frame.ptr, a->frame.len, z, sizeof z)) sl(z, sizeof z, a->frame);
        snprintf(out, cap, "send %s", z);
        break;
    case WPS_ACTION_CLOSE: snprintf(out, cap, "close %u", a->close_code); break;
    case WPS_ACTION_EVENT:
        switch (a->event) {
        case WPS_EVENT_CONNECTED:
            sl(x, sizeof x, a->connection_id);
            sl(y, sizeof y, a->user_id);
            snprintf(out, cap, "event connected %s %s", x, y);
            break;
        case WPS_EVENT_DISCONNECTED: {
            size_t n;
            sl(x, sizeof x, a->connection_id);
            n = (size_t)snprintf(out, cap, "event disconnected %s code=%u", x, a->close_code);
            if (a->close_reason.len && n < cap) {
                sl(y, sizeof y, a->close_reason);
                n += (size_t)snprintf(out + n, cap - n, " reason=%s", y);
            }
            if (a->message_text.ptr && n < cap) {
                sl(y, sizeof y, a->message_text);
                snprintf(out + n, cap - n, " message=%s", y);
            }
            break;
        }
        case WPS_EVENT_RECOVERING:
        case WPS_EVENT_RECOVERED:
            sl(x, sizeof x, a->connection_id);
            snprintf(out, cap, "event %s %s", wps_event_kind_name(a->event), x);
            break;
        case WPS_EVENT_GROUP_MESSAGE:
        case WPS_EVENT_SERVER_MESSAGE:
            render_msg(a->message, z, sizeof z);
            snprintf(out, cap, "event %s %s", wps_event_kind_name(a->event), z);
            break;
        case WPS_EVENT_REJOIN_GROUP_FAILED:
            sl(x, sizeof x, a->group);
            snprintf(out, cap, "event rejoin-group-failed %s %s ackId=%llu", x, a->status == WPS_OK ? "ok" : wps_status_name(a->status),
                     (unsigned long long)a->ack_id);
            break;
        case WPS_EVENT_FRAME_ERROR:
            if (a->needed) snprintf(out, cap, "event frame-error %s needed=%zu", wps_status_name(a->status), a->needed);
            else snprintf(out, cap, "event frame-error %s", wps_status_name(a->status));
            break;
        case WPS_EVENT_START_FAILED: snprintf(out, cap, "event start-failed code=%u", a->close_code); break;
        default: snprintf(out, cap, "event %s", wps_event_kind_name(a->event)); break;
        }
        break;
    case WPS_ACTION_COMPLETE: {
        size_t n = (size_t)snprintf(out, cap, "complete %s %s", label_of(r, a->call), a->status == WPS_OK ? "ok" : wps_status_name(a->status));
        if (a->has_ack_id && n < cap) n += (size_t)snprintf(out + n, cap - n, " ackId=%llu", (unsigned long long)a->ack_id);
        if (a->is_duplicated && n < cap) n += (size_t)snprintf(out + n, cap - n, " duplicated");
        if (!a->sent && n < cap) n += (size_t)snprintf(out + n, cap - n, " unsent");
        if (a->invocation_id.ptr && n < cap) {
            sl(x, sizeof x, a->invocation_id);
            n += (size_t)snprintf(out + n, cap - n, " invocationId=%s", x);
        }
        if (a->error_name.ptr && n < cap) {
            sl(x, sizeof x, a->error_name);
            n += (size_t)snprintf(out + n, cap - n, " error=%s", x);
        }
        if (a->has_data && n < cap) {
            static const char *const dts[] = {"json", "text", "binary", "protobuf"};
            if (a->data_type == WPS_DATA_BINARY || a->data_type == WPS_DATA_PROTOBUF) {
                size_t m = wps_base64_encode(a->data.ptr, a->data.len, x, sizeof x - 1);
                x[m < sizeof x ? m : 0] = 0;
            } else {
                sl(x, sizeof x, a->data);
            }
            snprintf(out + n, cap - n, " data=%s:%s", dts[a->data_type & 3], x);
        }
        break;
    }
    default: snprintf(out, cap, "none"); break;
    }
}

static void drain(runner *r) {
    wps_action a;
    char buf[8192];
    while (wps_client_poll(r->c, &a)) {
        describe(r, &a, buf, sizeof buf);
        if (r->npending < MAX_PENDING) r->pending[r->npending++] = dupstr(buf);
    }
}

static char *skip_ws(char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Next space-separated token (modifies the line). */
static char *token(char **p) {
    char *s = skip_ws(*p), *e;
    if (!*s) return NULL;
    e = s;
    while (*e && *e != ' ' && *e != '\t') e++;
    if (*e) *e++ = 0;
    *p = e;
    return s;
}

static int apply_config(runner *r, char *rest) {
    char *t;
    while ((t = token(&rest)) != NULL) {
        char *eq = strchr(t, '=');
        const char *v;
        unsigned long n;
        if (!eq) return 0;
        *eq = 0;
        v = eq + 1;
        n = strtoul(v, NULL, 10);
        if (!strcmp(v, "none")) n = WPS_NO_TIMEOUT;
        if (!strcmp(t, "protocol")) r->cfg.protocol = !strcmp(v, "json.webpubsub.azure.v1") ? WPS_PROTOCOL_JSON : WPS_PROTOCOL_JSON_RELIABLE;
        else if (!strcmp(t, "auto_reconnect")) r->cfg.auto_reconnect = !strcmp(v, "true");
        else if (!strcmp(t, "auto_rejoin_groups")) r->cfg.auto_rejoin_groups = !strcmp(v, "true");
        else if (!strcmp(t, "keepalive_interval_ms")) r->cfg.keepalive_interval_ms = (uint32_t)n;
        else if (!strcmp(t, "keepalive_timeout_ms")) r->cfg.keepalive_timeout_ms = (uint32_t)n;
        else if (!strcmp(t, "message_retry")) { if (!cli_retry_policy(v, &r->cfg.message_retry)) return 0; }
        else if (!strcmp(t, "reconnect_retry")) { if (!cli_retry_policy(v, &r->cfg.reconnect_retry)) return 0; }
        else if (!strcmp(t, "recovery_window_ms")) r->cfg.recovery_window_ms = (uint32_t)n;
        else if (!strcmp(t, "recovery_retry_ms")) r->cfg.recovery_retry_ms = (uint32_t)n;
        else if (!strcmp(t, "ack_timeout_ms")) r->cfg.ack_timeout_ms = (uint32_t)n;
        else if (!strcmp(t, "invoke_timeout_ms")) r->cfg.invoke_timeout_ms = (uint32_t)n;
        else if (!strcmp(t, "max_calls")) r->cfg.max_calls = (uint32_t)n;
        else if (!strcmp(t, "max_groups")) r->cfg.max_groups = (uint32_t)n;
        else if (!strcmp(t, "max_frame_size")) r->cfg.max_frame_size = (uint32_t)n;
        else if (!strcmp(t, "max_name_len")) r->cfg.max_name_len = (uint32_t)n;
        else if (!strcmp(t, "attempt_timeout_ms")) r->cfg.attempt_timeout_ms = (uint32_t)n;
        else if (!strcmp(t, "resend_after_session_loss")) r->cfg.resend_after_session_loss = !strcmp(v, "true");
        else if (!strcmp(t, "borrow_payloads")) r->cfg.borrow_payloads = !strcmp(v, "true");
        else if (!strcmp(t, "receive_in_place")) r->cfg.receive_in_place = !strcmp(v, "true");
        else return 0;
    }
    return 1;
}

static int fail(runner *r, const char *fmt, const char *a, const char *b) {
    size_t n = (size_t)snprintf(r->err, sizeof r->err, "%s:%d: ", r->path, r->line);
    snprintf(r->err + n, sizeof r->err - n, fmt, a ? a : "", b ? b : "");
    return 0;
}

static int ensure_client(runner *r) {
    size_t need;
    if (r->c) return 1;
    need = wps_client_memory_size(&r->cfg);
    if (!need) return fail(r, "invalid configuration%s%s", NULL, NULL);
    r->mem = malloc(need);
    if (wps_client_init(&r->c, &r->cfg, r->mem, need, NULL) != WPS_OK) return fail(r, "wps_client_init failed%s%s", NULL, NULL);
    return 1;
}

static wps_data_type parse_dt(const char *s) {
    if (!strcmp(s, "text")) return WPS_DATA_TEXT;
    if (!strcmp(s, "binary")) return WPS_DATA_BINARY;
    if (!strcmp(s, "protobuf")) return WPS_DATA_PROTOBUF;
    return WPS_DATA_JSON;
}

/* A call input: label, options, name, [dataType data...]. */
static wps_status do_call(runner *r, const char *cmd, char *rest) {
    wps_call_options o;
    char *label = token(&rest), *t, *name = NULL;
    wps_call_id id = 0;
    wps_status st;
    wps_slice data = {NULL, 0};
    wps_data_type dt = WPS_DATA_JSON;
    memset(&o, 0, sizeof o);
    if (!label) return WPS_ERR_INVALID_ARGUMENT;
    while ((t = token(&rest)) != NULL) {
        if (!strcmp(t, "noEcho")) o.no_echo = true;
        else if (!strcmp(t, "fireAndForget")) o.fire_and_forget = true;
        else if (!strncmp(t, "ackId=", 6)) o.has_ack_id = true, o.ack_id = strtoull(t + 6, NULL, 10);
        else if (!strncmp(t, "timeout=", 8)) o.timeout_ms = !strcmp(t + 8, "none") ? WPS_NO_TIMEOUT : (uint32_t)strtoul(t + 8, NULL, 10);
        else if (!strncmp(t, "id=", 3)) o.invocation_id = wps_slice_from_cstr(t + 3);
        else if (!strcmp(t, "borrow")) o.borrow_payload = true;
        else {
            name = t;
            break;
        }
    }
    if (!name) return WPS_ERR_INVALID_ARGUMENT;
    if (strcmp(cmd, "join") != 0 && strcmp(cmd, "leave") != 0) {
        char *dts = token(&rest);
        char *d = skip_ws(rest);
        if (!dts) return WPS_ERR_INVALID_ARGUMENT;
        dt = parse_dt(dts);
        if (dt == WPS_DATA_BINARY || dt == WPS_DATA_PROTOBUF) {
            size_t n = 0;
            if (wps_base64_decode(d, strlen(d), r->bin, sizeof r->bin, &n, NULL) != WPS_OK) return WPS_ERR_INVALID_ARGUMENT;
            data = wps_slice_make((const char *)r->bin, n);
        } else {
            data = wps_slice_from_cstr(d);
        }
    }
    if (o.borrow_payload || r->cfg.borrow_payloads) { /* the client reads them again at each attempt */
        char *kn = keep_bytes(r, name, strlen(name)), *kd = data.ptr ? keep_bytes(r, data.ptr, data.len) : NULL;
        if (!kn || (data.ptr && !kd)) return WPS_ERR_INVALID_ARGUMENT;
        name = kn;
        if (data.ptr) data.ptr = kd;
    }
    if (!strcmp(cmd, "join")) st = wps_client_join_group(r->c, r->now, wps_slice_from_cstr(name), &o, &id, NULL);
    else if (!strcmp(cmd, "leave")) st = wps_client_leave_group(r->c, r->now, wps_slice_from_cstr(name), &o, &id, NULL);
    else if (!strcmp(cmd, "send")) st = wps_client_send_to_group(r->c, r->now, wps_slice_from_cstr(name), dt, data, &o, &id, NULL);
    else if (!strcmp(cmd, "event")) st = wps_client_send_event(r->c, r->now, wps_slice_from_cstr(name), dt, data, &o, &id, NULL);
    else st = wps_client_invoke_event(r->c, r->now, wps_slice_from_cstr(name), dt, data, &o, &id, NULL);
    if (st == WPS_OK && r->nlabels < MAX_LABELS) {
        snprintf(r->labels[r->nlabels], sizeof r->labels[0], "%s", label);
        r->ids[r->nlabels++] = id;
    }
    return st;
}

/* "@T input ...": checks that the previous input's actions were all expected, then runs it. */
static int do_input(runner *r, char *line) {
    char *rest = line + 1, *ts, *cmd, *expect_status = NULL, *p;
    wps_status st = WPS_OK;
    uint64_t t;
    /* "... !STATUS" at the end: the input must return that status */
    p = strstr(line, " !WPS_");
    if (p) {
        *p = 0;
        expect_status = p + 2;
    }
    ts = token(&rest);
    cmd = token(&rest);
    if (!ts || !cmd) return fail(r, "bad input line%s%s", NULL, NULL);
    if (r->next < r->npending) return fail(r, "unexpected action before this input: %s%s", r->pending[r->next], NULL);
    clear_pending(r);
    if (!ensure_client(r)) return 0;
    t = strtoull(ts, NULL, 10);
    if (t < r->now) return fail(r, "time goes backwards%s%s", NULL, NULL);
    r->now = t;
    if (!strcmp(cmd, "start")) st = wps_client_start(r->c, t);
    else if (!strcmp(cmd, "stop")) st = wps_client_stop(r->c, t);
    else if (!strcmp(cmd, "tick")) st = wps_client_tick(r->c, t);
    else if (!strcmp(cmd, "url")) {
        char *u = token(&rest);
        st = wps_client_set_url(r->c, t, u, u ? strlen(u) : 0);
    } else if (!strcmp(cmd, "url-failed")) st = wps_client_url_failed(r->c, t);
    else if (!strcmp(cmd, "open")) st = wps_client_on_open(r->c, t);
    else if (!strcmp(cmd, "open-failed")) {
        char *cs = token(&rest);
        st = wps_client_on_open_failed(r->c, t, (uint16_t)(cs ? strtoul(cs, NULL, 10) : 0));
    } else if (!strcmp(cmd, "recv") || !strcmp(cmd, "recv-binary")) {
        char *j = skip_ws(rest);
        st = wps_client_on_frame(r->c, t, j, strlen(j), !strcmp(cmd, "recv"));
    } else if (!strcmp(cmd, "recv-writable")) {
        /* a frame the client may rewrite (decoded in place when it does not fit the scratch) */
        char *j = skip_ws(rest);
        size_t n = strlen(j);
        memcpy(r->wframe, j, n + 1);
        st = wps_client_on_frame_writable(r->c, t, r->wframe, n, true);
    } else if (!strcmp(cmd, "close")) {
        char *cs = token(&rest), *reason = skip_ws(rest);
        st = wps_client_on_close(r->c, t, (uint16_t)(cs ? strtoul(cs, NULL, 10) : 1006), reason, strlen(reason));
    } else if (!strcmp(cmd, "snapshot")) {
        st = wps_client_snapshot(r->c, r->snap, sizeof r->snap, &r->snap_len);
    } else if (!strcmp(cmd, "restart")) {
        /* a process restart: a new client (same configuration) restored from the snapshot */
        size_t need = wps_client_memory_size(&r->cfg);
        free(r->mem);
        r->mem = malloc(need);
        if (wps_client_init(&r->c, &r->cfg, r->mem, need, NULL) != WPS_OK) return fail(r, "wps_client_init failed%s%s", NULL, NULL);
        st = wps_client_restore(r->c, r->snap, r->snap_len, NULL);
    } else if (!strcmp(cmd, "cancel")) {
        char *l = token(&rest);
        st = wps_client_cancel(r->c, t, l ? id_of(r, l) : 0);
    } else if (!strcmp(cmd, "join") || !strcmp(cmd, "leave") || !strcmp(cmd, "send") || !strcmp(cmd, "event") || !strcmp(cmd, "invoke")) {
        st = do_call(r, cmd, rest);
    } else {
        return fail(r, "unknown input '%s'%s", cmd, NULL);
    }
    if (expect_status) {
        if (strcmp(wps_status_name(st), expect_status) != 0) return fail(r, "input returned %s, expected %s", wps_status_name(st), expect_status);
    } else if (st != WPS_OK) {
        return fail(r, "input returned %s%s", wps_status_name(st), NULL);
    }
    drain(r);
    return 1;
}

/* "> action": the next action must be this one. */
static int do_expect(runner *r, char *line) {
    static char want[8192];
    char *body = skip_ws(line + 1);
    if (!strncmp(body, "send ", 5)) {
        char *j = skip_ws(body + 5);
        strcpy(want, "send ");
        if (!canon_frame(j, strlen(j), want + 5, sizeof want - 5)) return fail(r, "expected frame does not decode: %s%s", j, NULL);
    } else if (!strncmp(body, "event group-message ", 20) || !strncmp(body, "event server-message ", 21)) {
        char *j = strchr(body + 6, ' ');
        size_t n = (size_t)(j - body) + 1;
        memcpy(want, body, n);
        if (!canon_rendered(skip_ws(j), want + n, sizeof want - n)) return fail(r, "expected message does not parse: %s%s", j, NULL);
    } else {
        snprintf(want, sizeof want, "%s", body);
    }
    if (r->next >= r->npending) return fail(r, "expected '%s', got nothing%s", want, NULL);
    {
        const char *got = r->pending[r->next];
        int ok = !strcmp(got, want);
        /* "> open URL" without the subprotocol checks the URL only */
        if (!ok && !strncmp(want, "open ", 5) && strchr(want + 5, ' ') == NULL) {
            size_t n = strlen(want);
            ok = !strncmp(got, want, n) && got[n] == ' ';
        }
        if (!ok) return fail(r, "expected '%s'\n      got      '%s'", want, got);
    }
    r->next++;
    return 1;
}

/* "= state NAME", "= deadline MS|none", "= nothing". */
static int do_assert(runner *r, char *line) {
    char *rest = line + 1, *what = token(&rest), *v = token(&rest);
    char buf[64];
    if (!what) return fail(r, "bad assertion%s%s", NULL, NULL);
    if (!strcmp(what, "nothing")) {
        if (r->next < r->npending) return fail(r, "unexpected action: %s%s", r->pending[r->next], NULL);
        return 1;
    }
    if (!ensure_client(r) || !v) return fail(r, "bad assertion%s%s", NULL, NULL);
    if (!strcmp(what, "state")) {
        const char *s = wps_client_state_name(wps_client_get_state(r->c));
        if (strcmp(s, v) != 0) return fail(r, "state is %s, expected %s", s, v);
        return 1;
    }
    if (!strcmp(what, "deadline")) {
        uint64_t d = wps_client_next_deadline(r->c);
        if (d == UINT64_MAX) snprintf(buf, sizeof buf, "none");
        else snprintf(buf, sizeof buf, "%llu", (unsigned long long)d);
        if (strcmp(buf, v) != 0) return fail(r, "deadline is %s, expected %s", buf, v);
        return 1;
    }
    return fail(r, "unknown assertion '%s'%s", what, NULL);
}

/* Every scenario runs twice: as written, and with every call borrowed (borrow_payloads: each
   attempt and internal frame encoded from the caller's and the client's memory when handed
   over), which must produce the same actions. */
static int g_borrow_all;

static int run_scenario(runner *r, const char *path) {
    FILE *f = fopen(path, "r");
    static char line[16384];
    int ok = 1;
    memset(r, 0, sizeof *r);
    r->path = path;
    r->cfg = wps_client_config_default();
    r->cfg.borrow_payloads = g_borrow_all != 0;
    if (!f) return fail(r, "cannot open%s%s", NULL, NULL);
    while (ok && fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        char *s;
        r->line++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        s = skip_ws(line);
        if (!*s || *s == '#') continue;
        if (!strncmp(s, "config ", 7)) {
            if (r->c) ok = fail(r, "config after the first input%s%s", NULL, NULL);
            else if (!apply_config(r, s + 7)) ok = fail(r, "bad config%s%s", NULL, NULL);
        } else if (*s == '@') {
            ok = do_input(r, s);
        } else if (*s == '>') {
            ok = do_expect(r, s);
        } else if (*s == '=') {
            ok = do_assert(r, s);
        } else {
            ok = fail(r, "cannot read this line%s%s", NULL, NULL);
        }
    }
    fclose(f);
    if (ok && r->next < r->npending) ok = fail(r, "unexpected action at the end: %s%s", r->pending[r->next], NULL);
    clear_pending(r);
    free(r->mem);
    return ok;
}

static runner g_runner;

TEST scenario(const char *path) {
    if (!run_scenario(&g_runner, path)) {
        printf("    %s\n", g_runner.err);
        FAILm("scenario failed");
    }
    PASS();
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

SUITE(client) {
    static char *names[1024];
    static char paths[1024][512];
    int n = 0, i;
    DIR *dir;
    RUN_TEST(retry_policy_formula);
    RUN_TEST(config_defaults_are_the_sdk_defaults);
    RUN_TEST(memory_is_sized_and_checked);
    RUN_TEST(snapshot_rejects_corruption_and_changes_nothing);
    RUN_TEST(on_frame_waits_until_frame_actions_are_polled);
    RUN_TEST(null_and_misuse_are_refused);
    RUN_TEST(completion_after_a_failed_ack_carries_no_stale_error);
    RUN_TEST(internal_frames_stay_valid_until_the_next_input);
    RUN_TEST(stop_with_every_capacity_in_use_loses_nothing);
    RUN_TEST(large_messages_of_every_type_arrive_whole_in_place);
    RUN_TEST(unpolled_sends_are_taken_back_on_a_drop);
    RUN_TEST(borrowed_call_is_encoded_from_the_callers_memory_at_each_attempt);
    RUN_TEST(borrow_payloads_keeps_one_transmit_buffer_not_a_frame_per_call);
    RUN_TEST(config_embedded_is_the_readme_configuration);
    RUN_TEST(rejoin_frame_keeps_its_ack_id_when_the_rejoin_settles_before_it_is_polled);
    RUN_TEST(names_that_escape_beyond_the_internal_frame_buffer_are_refused);
    RUN_TEST(refused_calls_explain_themselves);
    RUN_TEST(trace_hook_reports_what_the_client_decides);
    RUN_TEST(ids_longer_than_max_token_len_are_traced);
    RUN_TEST(recovery_url_room_is_twice_max_token_len_url_encoded);
    RUN_TEST(restore_refuses_a_pair_too_long_url_encoded);
    RUN_TEST(queue_records_hold_large_group_entries_and_frame_lengths);
    dir = opendir("tests/scenarios");
    if (!dir) {
        printf("FAIL scenarios: tests/scenarios not found (run from the repository root)\n");
        greatest_info.failed++;
        return;
    }
    {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL && n < 1024) {
            size_t len = strlen(e->d_name);
            if (len > 4 && !strcmp(e->d_name + len - 4, ".txt")) names[n++] = dupstr(e->d_name);
        }
    }
    closedir(dir);
    qsort(names, (size_t)n, sizeof names[0], cmp_names);
    for (i = 0; i < n; i++) {
        static char borrowed[600];
        snprintf(paths[i], sizeof paths[i], "tests/scenarios/%s", names[i]);
        names[i][strlen(names[i]) - 4] = 0;
        g_borrow_all = 0;
        greatest_set_test_suffix(names[i]);
        RUN_TEST1(scenario, paths[i]);
        g_borrow_all = 1;
        snprintf(borrowed, sizeof borrowed, "borrowed_%s", names[i]);
        greatest_set_test_suffix(borrowed);
        RUN_TEST1(scenario, paths[i]);
        g_borrow_all = 0;
        free(names[i]);
    }
}
