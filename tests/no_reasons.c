/* The WPS_NO_REASONS half of build/no-reasons (tests/no_reasons_main.c is the other): a private
   copy of wps.h (WPS_STATIC) built without the sentences of its failures, and the client tests
   that need a client of this build. The codec is compared with a copy built with them, in
   no_reasons_main.c, through nr_decode and nr_encode. */
#define WPS_NO_REASONS
#define WPS_STATIC
#define WPS_IMPLEMENTATION
#include "../wps.h"
#include "harness.h"
#include "no_reasons.h"

#include <stdlib.h>

wps_status nr_decode(wps_direction dir, const char *frame, size_t len, size_t scratch_cap, wps_message *m, wps_diag *d) {
    static char scratch[4096];
    wps_codec c = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, dir);
    return wps_decode(&c, frame, len, scratch_cap ? scratch : NULL, scratch_cap < sizeof scratch ? scratch_cap : sizeof scratch, m, d);
}

wps_status nr_encode(wps_protocol protocol, const wps_message *m, char *out, size_t cap, size_t *len, wps_diag *d) {
    wps_codec c = wps_codec_make(protocol, WPS_UPSTREAM);
    return wps_encode(&c, m, out, cap, len, d);
}

/* ---- the client of this build */

static unsigned long long nr_mem[8192];
static char nr_texts[8][64]; /* the trace records' texts, in order */
static wps_trace_kind nr_kinds[8];
static int nr_traced;

static void nr_trace(void *user, const wps_trace *t) {
    (void)user;
    if (nr_traced < 8) {
        nr_kinds[nr_traced] = t->kind;
        strncpy(nr_texts[nr_traced], t->text, sizeof nr_texts[0] - 1);
    }
    nr_traced++;
}

/* A connected client (reliable subprotocol), every action before `connected` polled. */
static wps_client *nr_connected(void) {
    wps_client_config cfg = wps_client_config_default();
    wps_client *c = NULL;
    wps_action a;
    static const char connected[] = "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"c1\",\"reconnectionToken\":\"t\"}";
    cfg.max_calls = 2;
    cfg.max_groups = 2;
    cfg.max_frame_size = 1024;
    cfg.max_url_len = 256;
    cfg.max_token_len = 64;
    if (wps_client_memory_size(&cfg) > sizeof nr_mem || wps_client_init(&c, &cfg, nr_mem, sizeof nr_mem, NULL) != WPS_OK) return NULL;
    nr_traced = 0;
    memset(nr_texts, 0, sizeof nr_texts);
    wps_client_set_trace(c, nr_trace, NULL);
    wps_client_start(c, 1);
    while (wps_client_poll(c, &a)) {
    }
    wps_client_set_url(c, 2, "wss://h/client/hubs/x?access_token=t", 36);
    while (wps_client_poll(c, &a)) {
    }
    wps_client_on_open(c, 3);
    wps_client_on_frame(c, 4, connected, sizeof connected - 1, true);
    while (wps_client_poll(c, &a)) {
    }
    return wps_client_get_state(c) == WPS_CLIENT_CONNECTED ? c : NULL;
}

/* A refused call says its status and what it needs, with no sentence (and so no trace text). */
TEST a_refused_call_keeps_its_status_and_needed_without_a_sentence(void) {
    wps_client *c = nr_connected();
    wps_diag d;
    wps_call_id id = 0;
    static char name[300];
    ASSERT(c != NULL);
    memset(name, 'g', sizeof name);
    ASSERT_EQ(WPS_ERR_TOO_LARGE, wps_client_join_group(c, 5, wps_slice_make(name, sizeof name), NULL, &id, &d));
    ASSERT_EQ(WPS_ERR_TOO_LARGE, d.status);
    ASSERT_EQ(sizeof name, d.needed);
    ASSERT_STR_EQ("", d.reason);
    ASSERT(nr_traced >= 1 && nr_kinds[nr_traced - 1] == WPS_TRACE_CALL_REFUSED);
    ASSERT_STR_EQ("", nr_texts[nr_traced - 1]);
    PASS();
}

/* A frame the client refuses is reported with its status and the decoder's key and offset. */
TEST a_refused_frame_reports_the_key_and_offset(void) {
    wps_client *c = nr_connected();
    wps_action a;
    int seen = 0;
    static const char bad[] = "{\"type\":\"ack\",\"ackId\":-1,\"success\":true}";
    ASSERT(c != NULL);
    ASSERT_EQ(WPS_OK, wps_client_on_frame(c, 5, bad, sizeof bad - 1, true));
    while (wps_client_poll(c, &a)) {
        if (a.kind != WPS_ACTION_EVENT || a.event != WPS_EVENT_FRAME_ERROR) continue;
        seen = 1;
        ASSERT_EQ(WPS_ERR_NUMBER, a.status);
        ASSERT_EQ(strlen("ackId at byte 22"), a.error_message.len);
        ASSERT_MEM_EQ("ackId at byte 22", a.error_message.ptr, a.error_message.len);
    }
    ASSERT(seen);
    /* a binary frame on a JSON subprotocol: the status alone */
    ASSERT_EQ(WPS_OK, wps_client_on_frame(c, 6, "{}", 2, false));
    seen = 0;
    while (wps_client_poll(c, &a))
        if (a.kind == WPS_ACTION_EVENT && a.event == WPS_EVENT_FRAME_ERROR) {
            seen = 1;
            ASSERT_EQ(WPS_ERR_FRAME_TYPE, a.status);
            ASSERT_EQ((size_t)0, a.error_message.len);
        }
    ASSERT(seen);
    PASS();
}

/* Trace records lose their sentences, not their kind, numbers or computed texts: a state
   transition still names both states. */
TEST trace_records_keep_their_kinds_and_state_names(void) {
    wps_client *c = nr_connected();
    int i, state = 0;
    ASSERT(c != NULL);
    for (i = 0; i < nr_traced && i < 8; i++)
        if (nr_kinds[i] == WPS_TRACE_STATE && strcmp(nr_texts[i], "STOPPED -> WAIT_URL") == 0) state = 1;
    ASSERT(state);
    PASS();
}

/* wps_client_init refuses a bad configuration with its status and no sentence. */
TEST a_bad_configuration_is_refused_without_a_sentence(void) {
    wps_client_config cfg = wps_client_config_default();
    wps_client *c = NULL;
    wps_diag d;
    cfg.max_calls = 0;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_init(&c, &cfg, nr_mem, sizeof nr_mem, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, d.status);
    ASSERT_STR_EQ("", d.reason);
    ASSERT(c == NULL);
    PASS();
}

SUITE(no_reasons_client) {
    RUN_TEST(a_refused_call_keeps_its_status_and_needed_without_a_sentence);
    RUN_TEST(a_refused_frame_reports_the_key_and_offset);
    RUN_TEST(trace_records_keep_their_kinds_and_state_names);
    RUN_TEST(a_bad_configuration_is_refused_without_a_sentence);
}
