/* The ESP-IDF adapter (examples/adapters/esp_idf/wps_esp_websocket.c) compiled on Linux against
 * the stub headers in tests/stubs/esp_idf/, with the test playing esp_websocket_client's task:
 * connect, data in fragments (frames split into pieces of buffer_size, messages into
 * continuation frames), drops, refusals and closes go to the registered handler as the task
 * would send them; the test checks what the client and the library were told. */
#define _POSIX_C_SOURCE 200809L
#define WPS_IMPLEMENTATION
#include "../wps.h"
#include "harness.h"

#include "../examples/adapters/esp_idf/wps_esp_websocket.h"
#include "esp_idf_stub.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URL "wss://demo.webpubsub.azure.com/client/hubs/chat?access_token=abc"
#define CONNECTED_FRAME "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u1\",\"connectionId\":\"c1\",\"reconnectionToken\":\"tok\"}"

static struct {
    wps_client *c;
    void *mem;
    wps_esp t;
    uint64_t now;
    int last_poll;
    char log[1 << 17]; /* one line per EVENT or COMPLETE action */
} F;

static void logp(const char *fmt, ...) {
    size_t used = strlen(F.log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(F.log + used, sizeof F.log - used, fmt, ap);
    va_end(ap);
}

/* "connected c1", "group-message g DATA", "disconnected c1 4001 REASON", "complete joinGroup ok" */
static void on_action(void *user, const wps_action *a) {
    (void)user;
    if (a->kind == WPS_ACTION_COMPLETE) {
        logp("complete %s %s\n", wps_call_kind_name(a->call_kind), a->status == WPS_OK ? "ok" : wps_status_name(a->status));
        return;
    }
    logp("%s", wps_event_kind_name(a->event));
    if (a->connection_id.ptr) logp(" %.*s", (int)a->connection_id.len, a->connection_id.ptr);
    if (a->event == WPS_EVENT_DISCONNECTED || a->event == WPS_EVENT_START_FAILED) logp(" %u", a->close_code);
    if (a->close_reason.len) logp(" %.*s", (int)a->close_reason.len, a->close_reason.ptr);
    if (a->message) logp(" %.*s %.*s", (int)a->message->group.len, a->message->group.ptr, (int)a->message->data.len, a->message->data.ptr);
    logp("\n");
}

static void setup(wps_protocol protocol, uint32_t queue_len, size_t max_message) {
    wps_client_config cfg = wps_client_config_default();
    wps_adapter_options o;
    size_t need;
    cfg.protocol = protocol;
    need = wps_client_memory_size(&cfg);
    memset(F.log, 0, sizeof F.log);
    F.mem = malloc(need);
    F.now = 1000;
    wps_client_init(&F.c, &cfg, F.mem, need, NULL);
    memset(&o, 0, sizeof o);
    o.url = URL;
    o.on_action = on_action;
    o.trace = getenv("ESP_STUB_LOG") != NULL;
    esp_stub_reset();
    wps_esp_init(&F.t, F.c, &o);
    F.t.queue_len = queue_len;
    F.t.max_message = max_message;
    wps_client_start(F.c, F.now);
}

static void poll_ms(uint64_t advance) {
    F.now += advance;
    F.last_poll = wps_esp_poll(&F.t, F.now);
}

/* polls in 100 ms steps until a new esp_websocket_client was started (at most 60 s) */
static int poll_until_open(int inits) {
    int i;
    for (i = 0; i < 600 && esp_stub.starts < inits; i++) poll_ms(100);
    return esp_stub.starts >= inits;
}

static void connect_c1(void) {
    poll_ms(0);
    esp_stub_connected();
    esp_stub_message(CONNECTED_FRAME, strlen(CONNECTED_FRAME), 1, 64, 64);
    poll_ms(1);
}

static void finish(void) {
    wps_esp_close(&F.t);
    free(F.mem);
}

static int logged(const char *line) { return strstr(F.log, line) != NULL; }

TEST opens_with_its_url_and_the_library_reconnect_off(void) {
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    poll_ms(0);
    ASSERT_EQ(1, esp_stub.inits);
    ASSERT_EQ(1, esp_stub.starts);
    ASSERT_STR_EQ(URL, esp_stub.uri);
    ASSERT_STR_EQ("json.reliable.webpubsub.azure.v1", esp_stub.subprotocol);
    ASSERT_EQ(1, esp_stub.disable_auto_reconnect);
    ASSERT_EQ(WPS_CLIENT_CONNECTING, wps_client_get_state(F.c));
    finish();
    PASS();
}

TEST connected_frame_in_fragments_is_reassembled(void) {
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    poll_ms(0);
    esp_stub_connected();
    poll_ms(1);
    ASSERT_FALSE(logged("connected"));
    /* frames of 30 bytes (text, then continuations), each in DATA events of 7 bytes */
    esp_stub_message(CONNECTED_FRAME, strlen(CONNECTED_FRAME), 1, 30, 7);
    poll_ms(1);
    ASSERT(logged("connected c1\n"));
    ASSERT_EQ(WPS_CLIENT_CONNECTED, wps_client_get_state(F.c));
    finish();
    PASS();
}

TEST calls_go_out_and_their_acks_complete_them(void) {
    wps_call_id id = 0;
    static const char ack1[] = "{\"type\":\"ack\",\"ackId\":1,\"success\":true}";
    static const char ack2[] = "{\"type\":\"ack\",\"ackId\":2,\"success\":true}";
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    connect_c1();
    ASSERT_EQ(WPS_OK, wps_client_join_group(F.c, F.now, wps_slice_from_cstr("g"), NULL, &id, NULL));
    ASSERT_EQ(WPS_OK, wps_client_send_to_group(F.c, F.now, wps_slice_from_cstr("g"), WPS_DATA_TEXT, wps_slice_from_cstr("hi"), NULL, &id, NULL));
    poll_ms(1);
    ASSERT_EQ(2, esp_stub.sends);
    ASSERT_EQ(0, esp_stub.binary_sends);
    ASSERT(strstr(esp_stub.sent, "\"type\":\"joinGroup\"") && strstr(esp_stub.sent, "\"ackId\":1"));
    ASSERT(strstr(esp_stub.sent, "\"type\":\"sendToGroup\"") && strstr(esp_stub.sent, "\"ackId\":2"));
    esp_stub_message(ack1, sizeof ack1 - 1, 1, 1000, 1000);
    esp_stub_message(ack2, sizeof ack2 - 1, 1, 5, 3);
    poll_ms(1);
    ASSERT(logged("complete joinGroup ok\n"));
    ASSERT(logged("complete sendToGroup ok\n"));
    finish();
    PASS();
}

TEST a_large_message_in_many_fragments_arrives_whole(void) {
    static char frame[30000], data[20001];
    size_t n;
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    connect_c1();
    memset(data, 'x', sizeof data - 1);
    data[5000] = 'y';
    n = (size_t)snprintf(frame, sizeof frame,
                         "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\",\"sequenceId\":1,\"data\":\"%s\"}", data);
    esp_stub_message(frame, n, 1, 4096, 1024); /* beyond the client's 8192 bytes of scratch: decoded in place */
    poll_ms(1);
    ASSERT(strstr(F.log, "group-message g ") != NULL);
    ASSERT(strstr(F.log, data) != NULL);
    finish();
    PASS();
}

TEST a_drop_reopens_with_the_recovery_url_and_calls_wait(void) {
    wps_call_id id = 0;
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    connect_c1();
    esp_stub_drop();
    ASSERT_EQ(WPS_OK, wps_client_send_to_group(F.c, F.now, wps_slice_from_cstr("g"), WPS_DATA_TEXT, wps_slice_from_cstr("during"), NULL, &id, NULL));
    ASSERT(poll_until_open(2));
    ASSERT(logged("recovering c1\n"));
    ASSERT_EQ(1, esp_stub.destroys);
    ASSERT_EQ(1, esp_stub.live);
    ASSERT(strncmp(esp_stub.uri, URL, strlen(URL)) == 0);
    ASSERT(strstr(esp_stub.uri, "awps_connection_id=c1") != NULL);
    ASSERT(strstr(esp_stub.uri, "awps_reconnection_token=tok") != NULL);
    ASSERT_EQ(0, esp_stub.sends); /* the call waits for the recovered socket */
    esp_stub_connected();
    poll_ms(1);
    ASSERT(logged("recovered c1\n"));
    ASSERT_EQ(1, esp_stub.sends);
    ASSERT(strstr(esp_stub.sent, "\"data\":\"during\"") != NULL);
    finish();
    PASS();
}

TEST a_refused_upgrade_fails_the_start_with_its_http_status(void) {
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    poll_ms(0);
    esp_stub_refuse(401);
    poll_ms(1);
    ASSERT(logged("start-failed 401\n"));
    ASSERT_EQ(WPS_CLIENT_STOPPED, wps_client_get_state(F.c));
    ASSERT_EQ(0, esp_stub.live);
    finish();
    PASS();
}

TEST a_full_queue_drops_the_connection_after_the_messages_queued(void) {
    int i;
    setup(WPS_PROTOCOL_JSON_RELIABLE, 4, 65536);
    connect_c1();
    for (i = 1; i <= 6; i++) { /* the loop does not poll: the 5th finds the queue full */
        char frame[200];
        int n = snprintf(frame, sizeof frame, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\",\"sequenceId\":%d,\"data\":\"m%d\"}", i, i);
        esp_stub_message(frame, (size_t)n, 1, 1000, 1000);
    }
    poll_ms(1);
    ASSERT_EQ(-1, F.last_poll);
    ASSERT(logged("group-message g m4\n"));
    ASSERT_FALSE(logged("group-message g m5\n"));
    ASSERT(logged("recovering c1\n"));
    ASSERT(poll_until_open(2));
    ASSERT(strstr(esp_stub.uri, "awps_connection_id=c1") != NULL);
    finish();
    PASS();
}

TEST a_failed_send_drops_the_connection_and_the_call_goes_again(void) {
    wps_call_id id = 0;
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    connect_c1();
    esp_stub_fail_next_send = 1;
    ASSERT_EQ(WPS_OK, wps_client_send_to_group(F.c, F.now, wps_slice_from_cstr("g"), WPS_DATA_TEXT, wps_slice_from_cstr("again"), NULL, &id, NULL));
    poll_ms(1);
    ASSERT(logged("recovering c1\n"));
    ASSERT_EQ(0, esp_stub.sends);
    ASSERT(poll_until_open(2));
    esp_stub_connected();
    poll_ms(1);
    ASSERT_EQ(1, esp_stub.sends);
    ASSERT(strstr(esp_stub.sent, "\"data\":\"again\"") != NULL);
    finish();
    PASS();
}

TEST the_servers_close_code_reaches_the_client(void) {
    setup(WPS_PROTOCOL_JSON, 32, 65536); /* no recovery: disconnected, then a reconnect */
    connect_c1();
    esp_stub_server_close(4001, "going away");
    poll_ms(1);
    ASSERT(logged("disconnected c1 4001 going away\n"));
    ASSERT(poll_until_open(2));
    ASSERT_STR_EQ(URL, esp_stub.uri);
    finish();
    PASS();
}

TEST a_message_beyond_max_message_closes_1009(void) {
    static const char big[] = "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}";
    setup(WPS_PROTOCOL_JSON, 32, 120); /* the connected frame (104 bytes) fits, this one (142) not */
    connect_c1();
    esp_stub_message(big, sizeof big - 1, 1, 1000, 16);
    poll_ms(1);
    ASSERT_EQ(0, F.last_poll); /* not a failure of the adapter */
    ASSERT(logged("disconnected c1 1009\n"));
    ASSERT_EQ(1, esp_stub.stops); /* the library's task was stopped: no close handshake */
    finish();
    PASS();
}

TEST stop_closes_with_1000_and_frees_everything(void) {
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    connect_c1();
    wps_client_stop(F.c, F.now);
    poll_ms(1);
    ASSERT_EQ(1000, esp_stub.close_code);
    ASSERT(logged("stopped\n"));
    ASSERT_EQ(0, esp_stub.live);
    ASSERT_EQ(0, wps_esp_send_pending(&F.t));
    finish();
    PASS();
}

TEST close_while_connected_tells_the_client(void) {
    setup(WPS_PROTOCOL_JSON_RELIABLE, 32, 65536);
    connect_c1();
    esp_stub_message("{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\",\"sequenceId\":1,\"data\":\"late\"}", 92, 1, 1000, 1000);
    wps_esp_close(&F.t); /* the queued message is dropped with the queue */
    ASSERT_EQ(0, esp_stub.live);
    ASSERT_EQ(WPS_CLIENT_RECOVERING, wps_client_get_state(F.c));
    free(F.mem);
    PASS();
}

SUITE(esp_adapter) {
    RUN_TEST(opens_with_its_url_and_the_library_reconnect_off);
    RUN_TEST(connected_frame_in_fragments_is_reassembled);
    RUN_TEST(calls_go_out_and_their_acks_complete_them);
    RUN_TEST(a_large_message_in_many_fragments_arrives_whole);
    RUN_TEST(a_drop_reopens_with_the_recovery_url_and_calls_wait);
    RUN_TEST(a_refused_upgrade_fails_the_start_with_its_http_status);
    RUN_TEST(a_full_queue_drops_the_connection_after_the_messages_queued);
    RUN_TEST(a_failed_send_drops_the_connection_and_the_call_goes_again);
    RUN_TEST(the_servers_close_code_reaches_the_client);
    RUN_TEST(a_message_beyond_max_message_closes_1009);
    RUN_TEST(stop_closes_with_1000_and_frees_everything);
    RUN_TEST(close_while_connected_tells_the_client);
}

GREATEST_MAIN_DEFS()

int main(int argc, char **argv) {
    GREATEST_MAIN_BEGIN();
    RUN_SUITE(esp_adapter);
    GREATEST_MAIN_END();
}
