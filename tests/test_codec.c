/* Codec tests: every message kind in both directions, every error class, round trips.
   Tables name the behaviour (docs/protocol.md section) each case checks. */
#include "harness.h"
#include "../wps.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define D WPS_DOWNSTREAM
#define U WPS_UPSTREAM
#define REL WPS_PROTOCOL_JSON_RELIABLE
#define PLAIN WPS_PROTOCOL_JSON

static char g_scratch[1 << 16];
static char g_out[1 << 16];
static char g_out2[1 << 16];

/* Decodes and renders (message, $ignored or $error) into g_out. */
static const char *decode_render(wps_protocol proto, wps_direction dir, const char *frame, size_t len, wps_status *st_out) {
    wps_codec c = wps_codec_make(proto, dir);
    wps_message m;
    wps_diag d;
    size_t n = 0;
    wps_status st = wps_decode(&c, frame, len, g_scratch, sizeof g_scratch, &m, &d);
    if (st_out) *st_out = st;
    if (wps_render_result(st, &m, &d, g_out, sizeof g_out - 1, &n) != WPS_OK) return "<render failed>";
    g_out[n] = 0;
    return g_out;
}

/* ---------------------------------------------------------------- decode: every kind */

typedef struct decode_case {
    const char *name;
    wps_direction dir;
    const char *frame;
    const char *expect; /* rendered */
} decode_case;

static const decode_case decode_cases[] = {
    /* docs/protocol.md 3.1 ack */
    {"ack_success", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":true}", "{\"kind\":\"ack\",\"ackId\":1,\"success\":true}"},
    {"ack_error_forbidden", D, "{\"type\":\"ack\",\"ackId\":2,\"success\":false,\"error\":{\"name\":\"Forbidden\",\"message\":\"no role\"}}",
     "{\"kind\":\"ack\",\"ackId\":2,\"success\":false,\"error\":{\"name\":\"Forbidden\",\"message\":\"no role\"}}"},
    {"ack_duplicate", D, "{\"type\":\"ack\",\"ackId\":8,\"success\":false,\"error\":{\"name\":\"Duplicate\",\"message\":\"dup\"}}",
     "{\"kind\":\"ack\",\"ackId\":8,\"success\":false,\"error\":{\"name\":\"Duplicate\",\"message\":\"dup\"}}"},
    {"ack_uint64_max", D, "{\"type\":\"ack\",\"ackId\":18446744073709551615,\"success\":true}",
     "{\"kind\":\"ack\",\"ackId\":18446744073709551615,\"success\":true}"},
    {"ack_zero", D, "{\"type\":\"ack\",\"ackId\":0,\"success\":true}", "{\"kind\":\"ack\",\"ackId\":0,\"success\":true}"},
    {"ack_unknown_keys_skipped", D, "{\"x\":[1,{\"y\":null}],\"type\":\"ack\",\"ackId\":3,\"z\":\"q\",\"success\":true}",
     "{\"kind\":\"ack\",\"ackId\":3,\"success\":true}"},
    {"ack_whitespace", D, " \t\r\n{ \"type\" : \"ack\" , \"ackId\" : 4 , \"success\" : false } \n",
     "{\"kind\":\"ack\",\"ackId\":4,\"success\":false}"},
    /* 3.2 message from group */
    {"group_text", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"fromUserId\":\"u\",\"dataType\":\"text\",\"data\":\"hi\",\"sequenceId\":1}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"fromUserId\":\"u\",\"dataType\":\"text\",\"data\":\"hi\",\"sequenceId\":1}"},
    {"group_json_object", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"json\",\"data\":{\"a\": [1, 2.5e3, true, null]}}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"json\",\"data\":{\"a\":[1,2.5e3,true,null]}}"},
    {"group_json_default_when_absent", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"data\":\"s\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"json\",\"data\":\"s\"}"},
    {"group_json_null_data", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"json\",\"data\":null}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"json\",\"data\":null}"},
    {"group_binary", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":\"AAEC/w==\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"AAEC/w==\"}}"},
    {"group_protobuf", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"protobuf\",\"data\":\"CgNhYmM=\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"protobuf\",\"data\":{\"$binary\":\"CgNhYmM=\"}}"},
    {"group_datatype_case_insensitive", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"TeXt\",\"data\":\"x\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"x\"}"},
    {"group_empty_binary", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":\"\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"\"}}"},
    {"group_stream_info", D,
     "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"ab\",\"sequenceId\":9,"
     "\"stream\":{\"streamId\":\"s1\",\"streamSequenceId\":2,\"endOfStream\":true,\"error\":{\"name\":\"UserError\",\"message\":\"m\",\"userErrorCode\":\"E1\"}}}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"ab\",\"sequenceId\":9,"
     "\"stream\":{\"streamId\":\"s1\",\"streamSequenceId\":2,\"endOfStream\":true,\"error\":{\"name\":\"UserError\",\"message\":\"m\",\"userErrorCode\":\"E1\"}}}"},
    /* review findings: escapes are JSON, wherever they appear */
    {"group_escaped_data_type", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"\\u0074ext\",\"data\":\"x\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"x\"}"},
    {"group_escaped_base64", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":\"AA\\/A\\u002bAA=\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"AA/A+AA=\"}}"},
    /* docs/protocol.md 7.2: a stream's terminal fragment may come without payload */
    {"group_stream_end_without_data", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"streamSequenceId\":9,\"endOfStream\":true}}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"streamSequenceId\":9,\"endOfStream\":true}}"},
    {"group_null_optional_is_absent", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"fromUserId\":null,\"sequenceId\":null,\"data\":1}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"json\",\"data\":1}"},
    /* unicode: escapes are unescaped, surrogate pairs combined, raw UTF-8 passes */
    {"group_unicode_escapes", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\\u00e9\\ud83d\\ude00\",\"dataType\":\"text\",\"data\":\"a\\n\\t\\\"\\\\\\/\\u0000\"}",
     "{\"kind\":\"groupData\",\"group\":\"g\xc3\xa9\xf0\x9f\x98\x80\",\"dataType\":\"text\",\"data\":\"a\\n\\t\\\"\\\\/\\u0000\"}"},
    {"group_raw_utf8", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"\xe4\xb8\xad\",\"dataType\":\"text\",\"data\":\"\xf0\x9f\x98\x80\"}",
     "{\"kind\":\"groupData\",\"group\":\"\xe4\xb8\xad\",\"dataType\":\"text\",\"data\":\"\xf0\x9f\x98\x80\"}"},
    {"escaped_key_is_the_key", D, "{\"t\\u0079pe\":\"ack\",\"ackId\":5,\"success\":true}", "{\"kind\":\"ack\",\"ackId\":5,\"success\":true}"},
    /* 3.2 message from server */
    {"server_text", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"srv\",\"sequenceId\":18446744073709551615}",
     "{\"kind\":\"serverData\",\"dataType\":\"text\",\"data\":\"srv\",\"sequenceId\":18446744073709551615}"},
    {"server_json_array", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"json\",\"data\":[]}",
     "{\"kind\":\"serverData\",\"dataType\":\"json\",\"data\":[]}"},
    {"server_stream_stripped", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"x\",\"stream\":{\"streamId\":\"s\"}}",
     "{\"kind\":\"serverData\",\"dataType\":\"text\",\"data\":\"x\"}"},
    /* 3.3 system */
    {"connected_reliable", D, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u1\",\"connectionId\":\"c1\",\"reconnectionToken\":\"tok\"}",
     "{\"kind\":\"connected\",\"userId\":\"u1\",\"connectionId\":\"c1\",\"reconnectionToken\":\"tok\"}"},
    {"connected_anonymous", D, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"c1\"}",
     "{\"kind\":\"connected\",\"connectionId\":\"c1\"}"},
    {"disconnected", D, "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":\"bye\"}", "{\"kind\":\"disconnected\",\"message\":\"bye\"}"},
    {"disconnected_no_message", D, "{\"type\":\"system\",\"event\":\"disconnected\"}", "{\"kind\":\"disconnected\"}"},
    /* 3.4 pong, 3.5 invokeResponse, 7.2 streaming, 7.3 group state */
    {"pong", D, "{\"type\":\"pong\"}", "{\"kind\":\"pong\"}"},
    {"invoke_response_ok", D, "{\"type\":\"invokeResponse\",\"invocationId\":\"5\",\"success\":true,\"dataType\":\"json\",\"data\":{\"price\":3}}",
     "{\"kind\":\"invokeResponse\",\"invocationId\":\"5\",\"success\":true,\"dataType\":\"json\",\"data\":{\"price\":3}}"},
    {"invoke_response_error", D, "{\"type\":\"invokeResponse\",\"invocationId\":\"5\",\"success\":false,\"error\":{\"name\":\"BadRequest\",\"message\":\"m\"}}",
     "{\"kind\":\"invokeResponse\",\"invocationId\":\"5\",\"success\":false,\"error\":{\"name\":\"BadRequest\",\"message\":\"m\"}}"},
    {"cancel_invocation_down", D, "{\"type\":\"cancelInvocation\",\"invocationId\":\"7\"}", "{\"kind\":\"cancelInvocation\",\"invocationId\":\"7\"}"},
    {"stream_ack", D, "{\"type\":\"streamAck\",\"streamId\":\"u-1\",\"expectedSequenceId\":1}",
     "{\"kind\":\"streamAck\",\"streamId\":\"u-1\",\"expectedSequenceId\":1}"},
    {"stream_nack", D, "{\"type\":\"streamNack\",\"streamId\":\"u-1\",\"expectedSequenceId\":3,\"name\":\"InvalidSequenceId\",\"message\":\"m\"}",
     "{\"kind\":\"streamNack\",\"streamId\":\"u-1\",\"expectedSequenceId\":3,\"name\":\"InvalidSequenceId\",\"message\":\"m\"}"},
    {"stream_closed", D, "{\"type\":\"streamClosed\",\"streamId\":\"u-1\"}", "{\"kind\":\"streamClosed\",\"streamId\":\"u-1\"}"},
    {"stream_closed_error", D, "{\"type\":\"streamClosed\",\"streamId\":\"u-1\",\"error\":{\"name\":\"IdleTimeout\",\"message\":\"idle\"}}",
     "{\"kind\":\"streamClosed\",\"streamId\":\"u-1\",\"error\":{\"name\":\"IdleTimeout\",\"message\":\"idle\"}}"},
    {"group_state_snapshot", D,
     "{\"type\":\"groupStateSnapshot\",\"group\":\"room\",\"items\":[{\"connectionId\":\"c1\",\"userId\":\"u1\",\"state\":{\"status\":\"typing\"},\"updatedAt\":20}]}",
     "{\"kind\":\"groupStateSnapshot\",\"group\":\"room\",\"items\":[{\"connectionId\":\"c1\",\"userId\":\"u1\",\"state\":{\"status\":\"typing\"},\"updatedAt\":20}]}"},
    {"group_state_update", D, "{\"type\":\"groupStateUpdate\",\"group\":\"room\",\"items\":[{\"connectionId\":\"c1\",\"updatedAt\":21}]}",
     "{\"kind\":\"groupStateUpdate\",\"group\":\"room\",\"items\":[{\"connectionId\":\"c1\",\"updatedAt\":21}]}"},
    /* 2. upstream */
    {"up_join", U, "{\"type\":\"joinGroup\",\"group\":\"lobby\",\"ackId\":7}", "{\"kind\":\"joinGroup\",\"group\":\"lobby\",\"ackId\":7}"},
    {"up_join_no_ack", U, "{\"type\":\"joinGroup\",\"group\":\"lobby\"}", "{\"kind\":\"joinGroup\",\"group\":\"lobby\"}"},
    {"up_leave", U, "{\"type\":\"leaveGroup\",\"group\":\"lobby\",\"ackId\":8}", "{\"kind\":\"leaveGroup\",\"group\":\"lobby\",\"ackId\":8}"},
    {"up_send_to_group_noecho", U, "{\"type\":\"sendToGroup\",\"group\":\"lobby\",\"dataType\":\"text\",\"data\":\"hi\",\"noEcho\":true,\"ackId\":8}",
     "{\"kind\":\"sendToGroup\",\"group\":\"lobby\",\"ackId\":8,\"noEcho\":true,\"dataType\":\"text\",\"data\":\"hi\"}"},
    {"up_send_to_group_binary", U, "{\"type\":\"sendToGroup\",\"group\":\"lobby\",\"dataType\":\"binary\",\"data\":\"AAEC\"}",
     "{\"kind\":\"sendToGroup\",\"group\":\"lobby\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"AAEC\"}}"},
    {"up_send_to_group_stream_start", U, "{\"type\":\"sendToGroup\",\"group\":\"g\",\"noEcho\":false,\"stream\":{\"streamId\":\"u-1\",\"idleTimeoutMs\":300000}}",
     "{\"kind\":\"sendToGroup\",\"group\":\"g\",\"noEcho\":false,\"stream\":{\"streamId\":\"u-1\",\"idleTimeoutInMs\":300000}}"},
    {"up_event", U, "{\"type\":\"event\",\"event\":\"telemetry\",\"dataType\":\"json\",\"data\":{\"t\":21.5},\"ackId\":9}",
     "{\"kind\":\"sendEvent\",\"event\":\"telemetry\",\"ackId\":9,\"dataType\":\"json\",\"data\":{\"t\":21.5}}"},
    {"up_sequence_ack", U, "{\"type\":\"sequenceAck\",\"sequenceId\":42}", "{\"kind\":\"sequenceAck\",\"sequenceId\":42}"},
    {"up_ping", U, "{\"type\":\"ping\"}", "{\"kind\":\"ping\"}"},
    {"up_invoke", U, "{\"type\":\"invoke\",\"invocationId\":\"5\",\"target\":\"event\",\"event\":\"getPrice\",\"dataType\":\"json\",\"data\":{\"sku\":\"a1\"}}",
     "{\"kind\":\"invoke\",\"invocationId\":\"5\",\"target\":\"event\",\"event\":\"getPrice\",\"dataType\":\"json\",\"data\":{\"sku\":\"a1\"}}"},
    {"up_invoke_response", U, "{\"type\":\"invokeResponse\",\"invocationId\":\"s1\",\"success\":true,\"dataType\":\"text\",\"data\":\"ok\"}",
     "{\"kind\":\"invokeResponse\",\"invocationId\":\"s1\",\"success\":true,\"dataType\":\"text\",\"data\":\"ok\"}"},
    {"up_cancel_invocation", U, "{\"type\":\"cancelInvocation\",\"invocationId\":\"5\"}", "{\"kind\":\"cancelInvocation\",\"invocationId\":\"5\"}"},
    {"up_stream_data", U, "{\"type\":\"streamData\",\"streamId\":\"u-1\",\"streamSequenceId\":1,\"dataType\":\"text\",\"data\":\"ab\"}",
     "{\"kind\":\"streamData\",\"streamId\":\"u-1\",\"streamSequenceId\":1,\"dataType\":\"text\",\"data\":\"ab\"}"},
    {"up_stream_data_keepalive", U, "{\"type\":\"streamData\",\"streamId\":\"u-1\"}", "{\"kind\":\"streamData\",\"streamId\":\"u-1\"}"},
    {"up_stream_end", U, "{\"type\":\"streamEnd\",\"streamId\":\"u-1\"}", "{\"kind\":\"streamEnd\",\"streamId\":\"u-1\"}"},
    {"up_stream_end_error", U, "{\"type\":\"streamEnd\",\"streamId\":\"u-1\",\"error\":{\"message\":\"m\",\"userErrorCode\":\"E\"}}",
     "{\"kind\":\"streamEnd\",\"streamId\":\"u-1\",\"error\":{\"message\":\"m\",\"userErrorCode\":\"E\"}}"},
    {"up_set_group_state", U, "{\"type\":\"setGroupState\",\"group\":\"room\",\"state\":{\"status\":\"typing\"},\"ackId\":42}",
     "{\"kind\":\"setGroupState\",\"group\":\"room\",\"ackId\":42,\"state\":{\"status\":\"typing\"}}"},
    {"up_set_group_state_clear", U, "{\"type\":\"setGroupState\",\"group\":\"room\",\"ackId\":43}", "{\"kind\":\"setGroupState\",\"group\":\"room\",\"ackId\":43}"},
    {"up_subscribe_group_state", U, "{\"type\":\"subscribeGroupState\",\"group\":\"room\",\"ackId\":44}",
     "{\"kind\":\"subscribeGroupState\",\"group\":\"room\",\"ackId\":44}"},
    {"up_unsubscribe_group_state", U, "{\"type\":\"unsubscribeGroupState\",\"group\":\"room\",\"ackId\":45}",
     "{\"kind\":\"unsubscribeGroupState\",\"group\":\"room\",\"ackId\":45}"},
    /* UTF-8 at the edges of each sequence length: U+0800 (E0 A0 80), U+10000 (F0 90 80 80), U+10FFFF (F4 8F BF BF) */
    {"group_utf8_range_edges", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\",\"data\":1}",
     "{\"kind\":\"groupData\",\"group\":\"\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\",\"dataType\":\"json\",\"data\":1}"},
    /* unknown keys of every length the key table switches on, "$binary" (only a member of rendered
       data, never a top-level key: twice is no duplicate) and an escaped key longer than any known one */
    {"unknown_keys_of_every_length_skipped", D,
     "{\"type\":\"pong\",\"zzzz\":1,\"zzzzz\":2,\"zzzzzz\":3,\"zzzzzzz\":4,\"zzzzzzzz\":5,\"zzzzzzzzzzzz\":6,\"zzzzzzzzzzzzz\":7,"
     "\"$binary\":8,\"$binary\":9,\"\\u0061aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":10}",
     "{\"kind\":\"pong\"}"},
    /* RFC 8259 number forms in json data are kept as written */
    {"server_json_number_forms", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":[1e-5,2E+3,-0.5,0,-0]}",
     "{\"kind\":\"serverData\",\"dataType\":\"json\",\"data\":[1e-5,2E+3,-0.5,0,-0]}"},
    /* error objects: empty, escaped member keys, unknown members, members of other objects */
    {"ack_error_empty_object", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{}}",
     "{\"kind\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{}}"},
    {"ack_error_escaped_member_key", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"n\\u0061me\":\"x\"}}",
     "{\"kind\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"x\"}}"},
    {"ack_error_unknown_members_skipped", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"x\":{\"a\":[1]},\"y\":[2],\"name\":\"n\"}}",
     "{\"kind\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"n\"}}"},
    {"ack_error_user_error_code_dropped", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"n\",\"userErrorCode\":\"c\"}}",
     "{\"kind\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"n\"}}"},
    {"invoke_response_error_ignores_other_known_keys", D,
     "{\"type\":\"invokeResponse\",\"invocationId\":\"1\",\"success\":false,\"error\":{\"name\":\"n\",\"type\":\"t\",\"data\":{\"a\":1}}}",
     "{\"kind\":\"invokeResponse\",\"invocationId\":\"1\",\"success\":false,\"error\":{\"name\":\"n\"}}"},
    {"group_stream_info_ignores_other_known_keys", D,
     "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"streamSequenceId\":1,\"type\":\"x\",\"group\":\"h\"}}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"streamSequenceId\":1}}"},
    /* escaped discriminators ("event", "from") are their unescaped text */
    {"connected_escaped_event", D, "{\"type\":\"system\",\"event\":\"connect\\u0065d\",\"connectionId\":\"c\"}",
     "{\"kind\":\"connected\",\"connectionId\":\"c\"}"},
    {"group_escaped_from", D, "{\"type\":\"message\",\"from\":\"gr\\u006fup\",\"group\":\"g\",\"data\":1}",
     "{\"kind\":\"groupData\",\"group\":\"g\",\"dataType\":\"json\",\"data\":1}"},
    /* docs/protocol.md 7.2: idleTimeoutMs is optional on a stream start */
    {"up_stream_start_without_idle_timeout", U, "{\"type\":\"sendToGroup\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\"}}",
     "{\"kind\":\"sendToGroup\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\"}}"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

TEST decode_every_kind(void) {
    size_t i;
    unsigned bad = 0;
    for (i = 0; i < COUNT(decode_cases); i++) {
        const decode_case *c = &decode_cases[i];
        wps_status st;
        const char *got = decode_render(REL, c->dir, c->frame, strlen(c->frame), &st);
        if (st != WPS_OK || strcmp(got, c->expect) != 0) {
            printf("\n  case %s\n    expected %s\n    got      %s\n", c->name, c->expect, got);
            bad++;
        }
    }
    ASSERT_EQ(0u, bad);
    PASS();
}

/* Every kind of wps_kind appears in the decode table: the table is complete. */
TEST decode_table_covers_every_kind(void) {
    int seen[WPS_KIND_COUNT_] = {0};
    size_t i;
    int k;
    for (i = 0; i < COUNT(decode_cases); i++) {
        wps_codec c = wps_codec_make(REL, decode_cases[i].dir);
        wps_message m;
        if (wps_decode(&c, decode_cases[i].frame, strlen(decode_cases[i].frame), g_scratch, sizeof g_scratch, &m, NULL) == WPS_OK)
            seen[m.kind] = 1;
    }
    for (k = 1; k < WPS_KIND_COUNT_; k++) {
        if (!seen[k]) printf("\n  kind %s not covered\n", wps_kind_name((wps_kind)k));
        ASSERT(seen[k]);
    }
    PASS();
}

/* decode(encode(m)) == m, and parse_rendered(render(m)) == m, for every table entry. */
TEST round_trip_every_kind(void) {
    size_t i;
    for (i = 0; i < COUNT(decode_cases); i++) {
        const decode_case *c = &decode_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m, m2, m3;
        static char scratch2[4096], scratch3[4096], frame[4096];
        size_t n = 0, r1 = 0, r2 = 0;
        ASSERT_EQ(WPS_OK, wps_decode(&codec, c->frame, strlen(c->frame), g_scratch, sizeof g_scratch, &m, NULL));
        ASSERT_EQ(WPS_OK, wps_encode(&codec, &m, frame, sizeof frame, &n, NULL));
        ASSERT_EQ(WPS_OK, wps_decode(&codec, frame, n, scratch2, sizeof scratch2, &m2, NULL));
        ASSERT_EQ(WPS_OK, wps_message_render(&m, g_out, sizeof g_out, &r1));
        ASSERT_EQ(WPS_OK, wps_message_render(&m2, g_out2, sizeof g_out2, &r2));
        ASSERTm(c->name, r1 == r2 && memcmp(g_out, g_out2, r1) == 0);
        ASSERT_EQ(WPS_OK, wps_message_parse_rendered(&codec, g_out, r1, scratch3, sizeof scratch3, &m3, NULL));
        ASSERT_EQ(WPS_OK, wps_message_render(&m3, g_out2, sizeof g_out2, &r2));
        ASSERTm(c->name, r1 == r2 && memcmp(g_out, g_out2, r1) == 0);
    }
    PASS();
}

/* ---------------------------------------------------------------- encode: exact wire bytes */

typedef struct encode_case {
    const char *name;
    wps_direction dir;
    const char *rendered;
    const char *wire;
} encode_case;

/* Key order follows @azure/web-pubsub-client's writeMessage (docs/protocol.md 2). */
static const encode_case encode_cases[] = {
    {"join", U, "{\"kind\":\"joinGroup\",\"group\":\"lobby\",\"ackId\":1}", "{\"type\":\"joinGroup\",\"group\":\"lobby\",\"ackId\":1}"},
    {"leave", U, "{\"kind\":\"leaveGroup\",\"group\":\"lobby\"}", "{\"type\":\"leaveGroup\",\"group\":\"lobby\"}"},
    {"send_to_group", U, "{\"kind\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"a\\\"b\\u0001\",\"noEcho\":true,\"ackId\":2}",
     "{\"type\":\"sendToGroup\",\"group\":\"g\",\"ackId\":2,\"noEcho\":true,\"dataType\":\"text\",\"data\":\"a\\\"b\\u0001\"}"},
    {"send_to_group_json_minified", U, "{\"kind\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"json\",\"data\":{ \"a\" : [ 1 , \" x y \" ] }}",
     "{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"json\",\"data\":{\"a\":[1,\" x y \"]}}"},
    {"send_to_group_binary", U, "{\"kind\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"AAE=\"}}",
     "{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":\"AAE=\"}"},
    {"send_event", U, "{\"kind\":\"sendEvent\",\"event\":\"e\",\"dataType\":\"protobuf\",\"data\":{\"$binary\":\"CgE=\"},\"ackId\":18446744073709551615}",
     "{\"type\":\"event\",\"event\":\"e\",\"ackId\":18446744073709551615,\"dataType\":\"protobuf\",\"data\":\"CgE=\"}"},
    {"sequence_ack", U, "{\"kind\":\"sequenceAck\",\"sequenceId\":5}", "{\"type\":\"sequenceAck\",\"sequenceId\":5}"},
    {"ping", U, "{\"kind\":\"ping\"}", "{\"type\":\"ping\"}"},
    {"invoke", U, "{\"kind\":\"invoke\",\"invocationId\":\"1\",\"target\":\"event\",\"event\":\"e\"}",
     "{\"type\":\"invoke\",\"invocationId\":\"1\",\"target\":\"event\",\"event\":\"e\"}"},
    {"cancel", U, "{\"kind\":\"cancelInvocation\",\"invocationId\":\"1\"}", "{\"type\":\"cancelInvocation\",\"invocationId\":\"1\"}"},
    {"stream_data", U, "{\"kind\":\"streamData\",\"streamId\":\"s\",\"streamSequenceId\":1,\"dataType\":\"text\",\"data\":\"x\"}",
     "{\"type\":\"streamData\",\"streamId\":\"s\",\"streamSequenceId\":1,\"dataType\":\"text\",\"data\":\"x\"}"},
    {"stream_end", U, "{\"kind\":\"streamEnd\",\"streamId\":\"s\",\"error\":{\"message\":\"m\"}}",
     "{\"type\":\"streamEnd\",\"streamId\":\"s\",\"error\":{\"message\":\"m\"}}"},
    {"stream_start", U, "{\"kind\":\"sendToGroup\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"idleTimeoutInMs\":1000}}",
     "{\"type\":\"sendToGroup\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"idleTimeoutMs\":1000}}"},
    {"set_group_state", U, "{\"kind\":\"setGroupState\",\"group\":\"r\",\"state\":{\"k\":\"v\"}}", "{\"type\":\"setGroupState\",\"group\":\"r\",\"state\":{\"k\":\"v\"}}"},
    {"subscribe_group_state", U, "{\"kind\":\"subscribeGroupState\",\"group\":\"r\",\"ackId\":1}", "{\"type\":\"subscribeGroupState\",\"group\":\"r\",\"ackId\":1}"},
    {"unsubscribe_group_state", U, "{\"kind\":\"unsubscribeGroupState\",\"group\":\"r\"}", "{\"type\":\"unsubscribeGroupState\",\"group\":\"r\"}"},
    {"invoke_response_up", U, "{\"kind\":\"invokeResponse\",\"invocationId\":\"1\",\"success\":true}", "{\"type\":\"invokeResponse\",\"invocationId\":\"1\",\"success\":true}"},
    /* service side (downstream) */
    {"ack", D, "{\"kind\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"Duplicate\",\"message\":\"m\"}}",
     "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"Duplicate\",\"message\":\"m\"}}"},
    {"group_data", D, "{\"kind\":\"groupData\",\"group\":\"g\",\"fromUserId\":\"u\",\"dataType\":\"text\",\"data\":\"\xc3\xa9\",\"sequenceId\":3}",
     "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"fromUserId\":\"u\",\"dataType\":\"text\",\"data\":\"\xc3\xa9\",\"sequenceId\":3}"},
    {"server_data", D, "{\"kind\":\"serverData\",\"dataType\":\"json\",\"data\":true}", "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"json\",\"data\":true}"},
    {"connected", D, "{\"kind\":\"connected\",\"connectionId\":\"c\",\"userId\":\"u\",\"reconnectionToken\":\"t\"}",
     "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"c\",\"reconnectionToken\":\"t\"}"},
    {"disconnected", D, "{\"kind\":\"disconnected\",\"message\":\"m\"}", "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":\"m\"}"},
    {"pong", D, "{\"kind\":\"pong\"}", "{\"type\":\"pong\"}"},
    {"stream_nack", D, "{\"kind\":\"streamNack\",\"streamId\":\"s\",\"name\":\"TransientError\",\"expectedSequenceId\":2}",
     "{\"type\":\"streamNack\",\"streamId\":\"s\",\"expectedSequenceId\":2,\"name\":\"TransientError\"}"},
    {"group_state_update", D, "{\"kind\":\"groupStateUpdate\",\"group\":\"r\",\"items\":[ ]}", "{\"type\":\"groupStateUpdate\",\"group\":\"r\",\"items\":[]}"},
};

TEST encode_exact_wire(void) {
    size_t i;
    unsigned bad = 0;
    for (i = 0; i < COUNT(encode_cases); i++) {
        const encode_case *c = &encode_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m;
        wps_diag d;
        size_t n = 0;
        wps_status st = wps_message_parse_rendered(&codec, c->rendered, strlen(c->rendered), g_scratch, sizeof g_scratch, &m, &d);
        if (st == WPS_OK) st = wps_encode(&codec, &m, g_out, sizeof g_out - 1, &n, &d);
        g_out[st == WPS_OK ? n : 0] = 0;
        if (st != WPS_OK || strcmp(g_out, c->wire) != 0) {
            printf("\n  case %s: %s %s\n    expected %s\n    got      %s\n", c->name, wps_status_name(st), st ? d.reason : "", c->wire, g_out);
            bad++;
        }
    }
    ASSERT_EQ(0u, bad);
    PASS();
}

/* ---------------------------------------------------------------- errors and ignored */

typedef struct error_case {
    const char *name;
    wps_direction dir;
    const char *frame;
    size_t len; /* 0 = strlen */
    wps_status status;
    const char *reason_part; /* must appear in diag.reason */
} error_case;

static const error_case error_cases[] = {
    {"empty_frame", D, "", 0, WPS_ERR_EMPTY, "empty"},
    {"only_whitespace", D, "  \n", 0, WPS_ERR_EMPTY, "empty"},
    {"not_an_object_array", D, "[1]", 0, WPS_ERR_INVALID_MESSAGE, "object"},
    {"not_an_object_number", D, "5", 0, WPS_ERR_INVALID_MESSAGE, "object"},
    {"bom_rejected", D, "\xef\xbb\xbf{\"type\":\"pong\"}", 0, WPS_ERR_SYNTAX, "at byte 0"},
    {"unbalanced_open", D, "{\"type\":\"pong\"", 0, WPS_ERR_SYNTAX, "expected"},
    {"unbalanced_nested", D, "{\"type\":\"pong\",\"x\":[1,2}", 0, WPS_ERR_SYNTAX, "']'"},
    {"trailing_garbage", D, "{\"type\":\"pong\"} x", 0, WPS_ERR_TRAILING, "at byte 16"},
    {"two_objects", D, "{\"type\":\"pong\"}{}", 0, WPS_ERR_TRAILING, "at byte 15"},
    {"trailing_comma", D, "{\"type\":\"pong\",}", 0, WPS_ERR_SYNTAX, "key expected"},
    {"single_quotes", D, "{'type':'pong'}", 0, WPS_ERR_SYNTAX, "key expected"},
    {"missing_colon", D, "{\"type\" \"pong\"}", 0, WPS_ERR_SYNTAX, "':'"},
    {"bad_literal", D, "{\"type\":\"pong\",\"x\":tru}", 0, WPS_ERR_SYNTAX, "literal"},
    {"leading_zero", D, "{\"type\":\"ack\",\"ackId\":01,\"success\":true}", 0, WPS_ERR_SYNTAX, "leading zero"},
    {"bare_minus", D, "{\"type\":\"pong\",\"x\":-}", 0, WPS_ERR_SYNTAX, "number"},
    {"dot_without_digits", D, "{\"type\":\"pong\",\"x\":1.}", 0, WPS_ERR_SYNTAX, "decimal point"},
    {"raw_control_char", D, "{\"type\":\"pong\",\"x\":\"a\x01\"}", 0, WPS_ERR_CONTROL_CHAR, "at byte 21"},
    {"raw_newline_in_string", D, "{\"type\":\"pong\",\"x\":\"a\nb\"}", 0, WPS_ERR_CONTROL_CHAR, "control"},
    {"invalid_utf8_continuation", D, "{\"type\":\"pong\",\"x\":\"\x80\"}", 0, WPS_ERR_UTF8, "at byte 20"},
    {"invalid_utf8_overlong", D, "{\"type\":\"pong\",\"x\":\"\xc0\xaf\"}", 0, WPS_ERR_UTF8, "UTF-8"},
    {"invalid_utf8_surrogate", D, "{\"type\":\"pong\",\"x\":\"\xed\xa0\x80\"}", 0, WPS_ERR_UTF8, "UTF-8"},
    {"invalid_utf8_above_10ffff", D, "{\"type\":\"pong\",\"x\":\"\xf4\x90\x80\x80\"}", 0, WPS_ERR_UTF8, "UTF-8"},
    {"invalid_utf8_truncated", D, "{\"type\":\"pong\",\"x\":\"\xe4\xb8\"}", 0, WPS_ERR_UTF8, "UTF-8"},
    {"invalid_utf8_outside_string", D, "{\"type\":\"pong\"}\xff", 0, WPS_ERR_TRAILING, "at byte 15"},
    {"lone_high_surrogate", D, "{\"type\":\"pong\",\"x\":\"\\ud800\"}", 0, WPS_ERR_ESCAPE, "high surrogate"},
    {"lone_low_surrogate", D, "{\"type\":\"pong\",\"x\":\"\\udc00\"}", 0, WPS_ERR_ESCAPE, "low surrogate"},
    {"high_then_non_low", D, "{\"type\":\"pong\",\"x\":\"\\ud800\\u0041\"}", 0, WPS_ERR_ESCAPE, "high surrogate"},
    {"bad_escape_char", D, "{\"type\":\"pong\",\"x\":\"\\q\"}", 0, WPS_ERR_ESCAPE, "escape"},
    {"short_u_escape", D, "{\"type\":\"pong\",\"x\":\"\\u12\"}", 0, WPS_ERR_ESCAPE, "4 hex"},
    {"unterminated_string", D, "{\"type\":\"pong\",\"x\":\"abc", 0, WPS_ERR_SYNTAX, "unterminated"},
    {"embedded_nul_byte", D, "{\"type\":\"pong\",\"x\":\"a\0b\"}", 24, WPS_ERR_CONTROL_CHAR, "control"},
    /* integers: docs/protocol.md 2 "ackId is an unsigned 64-bit integer" */
    {"ackid_negative", D, "{\"type\":\"ack\",\"ackId\":-1,\"success\":true}", 0, WPS_ERR_NUMBER, "ackId: negative"},
    {"ackid_fraction", D, "{\"type\":\"ack\",\"ackId\":1.5,\"success\":true}", 0, WPS_ERR_NUMBER, "ackId: fraction"},
    {"ackid_fraction_zero", D, "{\"type\":\"ack\",\"ackId\":1.0,\"success\":true}", 0, WPS_ERR_NUMBER, "fraction"},
    {"ackid_exponent", D, "{\"type\":\"ack\",\"ackId\":1e3,\"success\":true}", 0, WPS_ERR_NUMBER, "ackId: exponent"},
    {"ackid_overflow", D, "{\"type\":\"ack\",\"ackId\":18446744073709551616,\"success\":true}", 0, WPS_ERR_NUMBER, "larger"},
    {"ackid_overflow_long", D, "{\"type\":\"ack\",\"ackId\":100000000000000000000,\"success\":true}", 0, WPS_ERR_NUMBER, "larger"},
    {"sequenceid_negative_zero", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":1,\"sequenceId\":-0}", 0, WPS_ERR_NUMBER, "sequenceId"},
    {"ackid_string", D, "{\"type\":\"ack\",\"ackId\":\"1\",\"success\":true}", 0, WPS_ERR_TYPE_MISMATCH, "ackId"},
    {"success_not_bool", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":1}", 0, WPS_ERR_TYPE_MISMATCH, "success"},
    {"type_not_string", D, "{\"type\":5}", 0, WPS_ERR_TYPE_MISMATCH, "type"},
    {"group_not_string", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":1,\"data\":1}", 0, WPS_ERR_TYPE_MISMATCH, "group"},
    {"text_data_not_string", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\",\"data\":{}}", 0, WPS_ERR_TYPE_MISMATCH, "data"},
    {"binary_data_not_string", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":5}", 0, WPS_ERR_TYPE_MISMATCH, "data"},
    {"stream_not_object", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"data\":1,\"stream\":\"s\"}", 0, WPS_ERR_TYPE_MISMATCH, "stream"},
    {"error_not_object", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":\"x\"}", 0, WPS_ERR_TYPE_MISMATCH, "error"},
    {"items_not_array", D, "{\"type\":\"groupStateUpdate\",\"group\":\"g\",\"items\":{}}", 0, WPS_ERR_TYPE_MISMATCH, "items"},
    /* base64 */
    {"base64_bad_char", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"AA*=\"}", 0, WPS_ERR_BASE64, "character"},
    {"base64_bad_length", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"AAE\"}", 0, WPS_ERR_BASE64, "multiple of 4"},
    {"base64_inner_padding", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"A=AA\"}", 0, WPS_ERR_BASE64, "character"},
    {"base64_escaped_bad_after_unescape", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"AA\\nA\"}", 0, WPS_ERR_BASE64, "after unescaping"},
    /* required fields */
    {"missing_type", D, "{\"ackId\":1}", 0, WPS_ERR_MISSING_FIELD, "type"},
    {"null_type", D, "{\"type\":null}", 0, WPS_ERR_MISSING_FIELD, "type"},
    {"ack_missing_ackid", D, "{\"type\":\"ack\",\"success\":true}", 0, WPS_ERR_MISSING_FIELD, "ackId"},
    {"ack_missing_success", D, "{\"type\":\"ack\",\"ackId\":1}", 0, WPS_ERR_MISSING_FIELD, "success"},
    {"message_missing_from", D, "{\"type\":\"message\",\"data\":1}", 0, WPS_ERR_MISSING_FIELD, "from"},
    {"system_missing_event", D, "{\"type\":\"system\"}", 0, WPS_ERR_MISSING_FIELD, "event"},
    {"group_missing_group", D, "{\"type\":\"message\",\"from\":\"group\",\"data\":1}", 0, WPS_ERR_MISSING_FIELD, "group"},
    {"group_missing_data", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\"}", 0, WPS_ERR_MISSING_FIELD, "data"},
    {"connected_missing_connection_id", D, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\"}", 0, WPS_ERR_MISSING_FIELD, "connectionId"},
    {"stream_info_missing_sequence", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"data\":1,\"stream\":{\"streamId\":\"s\"}}", 0,
     WPS_ERR_MISSING_FIELD, "streamSequenceId"},
    {"stream_ack_missing_expected", D, "{\"type\":\"streamAck\",\"streamId\":\"s\"}", 0, WPS_ERR_MISSING_FIELD, "expectedSequenceId"},
    {"invoke_response_missing_id", D, "{\"type\":\"invokeResponse\",\"success\":true}", 0, WPS_ERR_MISSING_FIELD, "invocationId"},
    {"snapshot_missing_items", D, "{\"type\":\"groupStateSnapshot\",\"group\":\"g\"}", 0, WPS_ERR_MISSING_FIELD, "items"},
    {"up_join_missing_group", U, "{\"type\":\"joinGroup\",\"ackId\":1}", 0, WPS_ERR_MISSING_FIELD, "group"},
    {"up_event_missing_event", U, "{\"type\":\"event\",\"data\":1}", 0, WPS_ERR_MISSING_FIELD, "event"},
    {"up_send_missing_data", U, "{\"type\":\"sendToGroup\",\"group\":\"g\"}", 0, WPS_ERR_MISSING_FIELD, "data"},
    {"up_sequence_ack_missing", U, "{\"type\":\"sequenceAck\"}", 0, WPS_ERR_MISSING_FIELD, "sequenceId"},
    /* several required fields missing: the first in the kind's wire order is named */
    {"ack_missing_both", D, "{\"type\":\"ack\"}", 0, WPS_ERR_MISSING_FIELD, "ackId"},
    {"stream_ack_missing_both", D, "{\"type\":\"streamAck\"}", 0, WPS_ERR_MISSING_FIELD, "streamId"},
    {"snapshot_missing_both", D, "{\"type\":\"groupStateSnapshot\"}", 0, WPS_ERR_MISSING_FIELD, "group"},
    {"up_event_missing_both", U, "{\"type\":\"event\"}", 0, WPS_ERR_MISSING_FIELD, "event"},
    {"stream_nack_missing_both", D, "{\"type\":\"streamNack\"}", 0, WPS_ERR_MISSING_FIELD, "streamId"},
    {"state_update_missing_both", D, "{\"type\":\"groupStateUpdate\"}", 0, WPS_ERR_MISSING_FIELD, "group"},
    /* protocol rules (docs/protocol.md 7.2) */
    {"up_stream_start_with_data", U, "{\"type\":\"sendToGroup\",\"group\":\"g\",\"data\":1,\"stream\":{\"streamId\":\"s\"}}", 0, WPS_ERR_INVALID_MESSAGE, "stream"},
    {"up_stream_start_with_ackid", U, "{\"type\":\"sendToGroup\",\"group\":\"g\",\"ackId\":1,\"stream\":{\"streamId\":\"s\"}}", 0, WPS_ERR_INVALID_MESSAGE, "ackId"},
    {"up_stream_start_idle_zero", U, "{\"type\":\"sendToGroup\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"idleTimeoutMs\":0}}", 0, WPS_ERR_INVALID_MESSAGE, "greater than 0"},
    {"up_stream_data_half", U, "{\"type\":\"streamData\",\"streamId\":\"s\",\"data\":\"x\"}", 0, WPS_ERR_INVALID_MESSAGE, "streamSequenceId"},
    {"up_stream_end_with_name", U, "{\"type\":\"streamEnd\",\"streamId\":\"s\",\"error\":{\"name\":\"X\"}}", 0, WPS_ERR_INVALID_MESSAGE, "name"},
    /* duplicate keys */
    {"duplicate_type", D, "{\"type\":\"ack\",\"type\":\"pong\"}", 0, WPS_ERR_DUPLICATE_KEY, "type: duplicate key at byte 14"},
    {"duplicate_ackid", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":true,\"ackId\":2}", 0, WPS_ERR_DUPLICATE_KEY, "ackId"},
    {"duplicate_via_escape", D, "{\"type\":\"pong\",\"typ\\u0065\":\"pong\"}", 0, WPS_ERR_DUPLICATE_KEY, "type"},
    {"duplicate_in_error_object", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"a\",\"name\":\"b\"}}", 0, WPS_ERR_DUPLICATE_KEY, "name"},
    /* UTF-8: each byte of a 3- and 4-byte sequence checked; a sequence cut by the end of the frame */
    {"utf8_e0_overlong", D, "{\"type\":\"pong\",\"x\":\"\xe0\x80\x80\"}", 0, WPS_ERR_UTF8, "invalid UTF-8 sequence at byte 20"},
    {"utf8_f0_overlong", D, "{\"type\":\"pong\",\"x\":\"\xf0\x80\x80\x80\"}", 0, WPS_ERR_UTF8, "invalid UTF-8 sequence at byte 20"},
    {"utf8_4byte_bad_third", D, "{\"type\":\"pong\",\"x\":\"\xf0\x9f\x28\x80\"}", 0, WPS_ERR_UTF8, "invalid UTF-8 sequence at byte 20"},
    {"utf8_4byte_bad_fourth", D, "{\"type\":\"pong\",\"x\":\"\xf0\x9f\x98\x28\"}", 0, WPS_ERR_UTF8, "invalid UTF-8 sequence at byte 20"},
    {"utf8_4byte_cut_by_end_of_frame", D, "{\"type\":\"pong\",\"x\":\"\xf0\x9f", 0, WPS_ERR_UTF8, "invalid UTF-8 sequence at byte 20"},
    /* a high surrogate must be followed by \u and a low surrogate */
    {"high_surrogate_then_text", D, "{\"type\":\"pong\",\"x\":\"\\ud800abcdef\"}", 0, WPS_ERR_ESCAPE, "lone high surrogate in \\u escape at byte 20"},
    {"high_surrogate_then_other_escape", D, "{\"type\":\"pong\",\"x\":\"\\ud800\\nabcd\"}", 0, WPS_ERR_ESCAPE, "lone high surrogate in \\u escape at byte 20"},
    {"high_surrogate_then_bad_hex", D, "{\"type\":\"pong\",\"x\":\"\\ud800\\uzzzz\"}", 0, WPS_ERR_ESCAPE, "lone high surrogate in \\u escape at byte 20"},
    {"high_surrogate_then_above_low_range", D, "{\"type\":\"pong\",\"x\":\"\\ud800\\ue000\"}", 0, WPS_ERR_ESCAPE, "lone high surrogate in \\u escape at byte 20"},
    /* number grammar in skipped values: the offset is the number's start, or the byte after '.', 'e' or the sign */
    {"minus_then_comma", D, "{\"type\":\"pong\",\"x\":-,\"y\":1}", 0, WPS_ERR_SYNTAX, "invalid number at byte 19"},
    {"decimal_point_then_comma", D, "{\"type\":\"pong\",\"x\":1.,\"y\":1}", 0, WPS_ERR_SYNTAX, "digit expected after the decimal point at byte 21"},
    {"exponent_without_digits", D, "{\"type\":\"pong\",\"x\":1e,\"y\":1}", 0, WPS_ERR_SYNTAX, "digit expected in the exponent at byte 21"},
    {"exponent_sign_without_digits", D, "{\"type\":\"pong\",\"x\":1e+}", 0, WPS_ERR_SYNTAX, "digit expected in the exponent at byte 22"},
    /* structure of skipped (unknown) values */
    {"skipped_object_key_not_string", D, "{\"type\":\"pong\",\"x\":{1:2}}", 0, WPS_ERR_SYNTAX, "object key expected at byte 20"},
    {"skipped_object_missing_colon", D, "{\"type\":\"pong\",\"x\":{\"a\" 1}}", 0, WPS_ERR_SYNTAX, "':' expected at byte 24"},
    {"skipped_array_plus_sign", D, "{\"type\":\"pong\",\"x\":[+1]}", 0, WPS_ERR_SYNTAX, "value expected at byte 20"},
    {"skipped_object_missing_comma", D, "{\"type\":\"pong\",\"x\":{\"a\":1 2}}", 0, WPS_ERR_SYNTAX, "',' or '}' expected at byte 26"},
    /* json data of a server message (the decode fast path validates it; the general decoder diagnoses) */
    {"data_object_key_not_string", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":{1:2}}", 0, WPS_ERR_SYNTAX, "object key expected at byte 42"},
    {"data_object_key_control_char", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":{\"a\x01\":1}}", 0, WPS_ERR_CONTROL_CHAR, "at byte 44"},
    {"data_object_missing_colon", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":{\"a\" 1}}", 0, WPS_ERR_SYNTAX, "':' expected at byte 46"},
    {"data_true_cut_by_end", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":[t]}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 42"},
    {"data_true_misspelt", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":[tx]}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 42"},
    {"data_false_cut_by_end", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":[f]}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 42"},
    {"data_false_misspelt", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":[fals]}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 42"},
    {"data_null_cut_by_end", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":[n]}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 42"},
    {"data_null_misspelt", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":[nul]}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 42"},
    /* an ack's error object */
    {"error_key_not_string", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{1:2}}", 0, WPS_ERR_SYNTAX, "object key expected at byte 49"},
    {"error_key_control_char", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"a\x01\":1}}", 0, WPS_ERR_CONTROL_CHAR, "at byte 51"},
    {"error_missing_colon", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\" \"x\"}}", 0, WPS_ERR_SYNTAX, "':' expected at byte 56"},
    {"error_name_not_string", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":1}}", 0, WPS_ERR_TYPE_MISMATCH,
     "error.name: string expected at byte 56"},
    {"error_name_control_char", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"a\x01\"}}", 0, WPS_ERR_CONTROL_CHAR, "at byte 58"},
    {"error_unterminated", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":true,\"error\":{\"x\":{}", 0, WPS_ERR_SYNTAX, "',' or '}' expected at byte 54"},
    {"error_closed_by_bracket", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"a\"]}", 0, WPS_ERR_SYNTAX, "',' or '}' expected at byte 59"},
    /* literals of known keys */
    {"success_true_cut_by_end", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":t}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 34"},
    {"success_false_cut_by_end", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":f}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 34"},
    {"success_false_misspelt", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":fals}", 0, WPS_ERR_SYNTAX, "invalid literal at byte 34"},
    /* keys and the top-level value */
    {"empty_object", D, "{}", 0, WPS_ERR_MISSING_FIELD, "type: required field missing"},
    {"key_control_char", D, "{\"z\x01\":1}", 0, WPS_ERR_CONTROL_CHAR, "at byte 3"},
    {"top_level_negative_number", D, "-1", 0, WPS_ERR_INVALID_MESSAGE, "the frame must be a JSON object at byte 0"},
    {"top_level_null", D, "null", 0, WPS_ERR_INVALID_MESSAGE, "the frame must be a JSON object at byte 0"},
    {"top_level_false", D, "false", 0, WPS_ERR_INVALID_MESSAGE, "the frame must be a JSON object at byte 0"},
    {"top_level_plus_sign", D, "+1", 0, WPS_ERR_SYNTAX, "'{' expected at byte 0"},
    {"top_level_unterminated_array", D, "[1,", 0, WPS_ERR_SYNTAX, "value expected at byte 3"},
    /* field types of the kinds the decode fast path handles */
    {"connected_user_id_not_string", D, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":1,\"connectionId\":\"c\"}", 0, WPS_ERR_TYPE_MISMATCH,
     "userId: string expected at byte 46"},
    {"connected_connection_id_not_string", D, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":1}", 0, WPS_ERR_TYPE_MISMATCH,
     "connectionId: string expected at byte 52"},
    {"connected_token_not_string", D, "{\"type\":\"system\",\"event\":\"connected\",\"connectionId\":\"c\",\"reconnectionToken\":1}", 0, WPS_ERR_TYPE_MISMATCH,
     "reconnectionToken: string expected at byte 76"},
    {"disconnected_message_not_string", D, "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":1}", 0, WPS_ERR_TYPE_MISMATCH,
     "message: string expected at byte 50"},
    {"from_not_string", D, "{\"type\":\"message\",\"from\":1,\"data\":1}", 0, WPS_ERR_TYPE_MISMATCH, "from: string expected at byte 25"},
    {"from_user_id_not_string", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"fromUserId\":1,\"data\":1}", 0, WPS_ERR_TYPE_MISMATCH,
     "fromUserId: string expected at byte 58"},
    {"sequence_id_string", D, "{\"type\":\"message\",\"from\":\"server\",\"data\":1,\"sequenceId\":\"1\"}", 0, WPS_ERR_TYPE_MISMATCH,
     "sequenceId: unsigned integer expected at byte 56"},
    /* required fields and shapes of the other kinds */
    {"group_without_data_or_stream", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\"}", 0, WPS_ERR_MISSING_FIELD, "data: required field missing"},
    {"stream_info_missing_stream_id", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"data\":1,\"stream\":{\"streamSequenceId\":1}}", 0,
     WPS_ERR_MISSING_FIELD, "stream.streamId: required field missing"},
    {"stream_ack_missing_stream_id", D, "{\"type\":\"streamAck\",\"expectedSequenceId\":1}", 0, WPS_ERR_MISSING_FIELD, "streamId: required field missing"},
    {"up_set_group_state_array", U, "{\"type\":\"setGroupState\",\"group\":\"g\",\"state\":[1]}", 0, WPS_ERR_TYPE_MISMATCH, "state: object expected at byte 44"},
    {"up_stream_start_missing_stream_id", U, "{\"type\":\"sendToGroup\",\"group\":\"g\",\"stream\":{\"idleTimeoutMs\":5}}", 0, WPS_ERR_MISSING_FIELD,
     "stream.streamId: required field missing"},
};

/* Empty JSON data (ptr NULL, len 0) is refused with a reason, without pointer arithmetic on
   NULL (UBSan found it through the emulator's fuzz target: an empty application/json REST send). */
TEST encode_empty_json_data_is_refused(void) {
    wps_codec c = wps_codec_make(WPS_PROTOCOL_JSON, WPS_DOWNSTREAM);
    wps_message m;
    wps_diag d;
    char out[128];
    size_t n = 0;
    wps_message_init(&m, WPS_KIND_SERVER_DATA);
    m.has |= WPS_HAS_DATA;
    m.data_type = WPS_DATA_JSON;
    m.data = wps_slice_make(NULL, 0);
    ASSERT_EQ(WPS_ERR_SYNTAX, wps_encode(&c, &m, out, sizeof out, &n, &d));
    ASSERT(strstr(d.reason, "data") != NULL);
    m.data = wps_slice_make("  ", 2);
    ASSERT_EQ(WPS_ERR_SYNTAX, wps_encode(&c, &m, out, sizeof out, &n, &d));
    PASS();
}

/* Every plain field lands in its own member of wps_message when decoded, and is written from it
   when encoded: the round trips above would not see two members swapped in both directions
   (error.name and error.message of streamNack, say). */
TEST every_plain_field_lands_in_its_member(void) {
    static const struct {
        wps_direction dir;
        const char *frame;
        size_t member; /* offsetof a wps_slice in wps_message */
        const char *want;
    } cases[] = {
        {D, "{\"type\":\"streamNack\",\"streamId\":\"s1\",\"expectedSequenceId\":3,\"name\":\"N1\",\"message\":\"M1\"}", offsetof(wps_message, error.name), "N1"},
        {D, "{\"type\":\"streamNack\",\"streamId\":\"s1\",\"expectedSequenceId\":3,\"name\":\"N1\",\"message\":\"M1\"}", offsetof(wps_message, error.message), "M1"},
        {D, "{\"type\":\"streamNack\",\"streamId\":\"s1\",\"expectedSequenceId\":3,\"name\":\"N1\",\"message\":\"M1\"}", offsetof(wps_message, stream_id), "s1"},
        {D, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u1\",\"connectionId\":\"c1\",\"reconnectionToken\":\"t1\"}", offsetof(wps_message, user_id), "u1"},
        {D, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u1\",\"connectionId\":\"c1\",\"reconnectionToken\":\"t1\"}", offsetof(wps_message, connection_id), "c1"},
        {D, "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u1\",\"connectionId\":\"c1\",\"reconnectionToken\":\"t1\"}", offsetof(wps_message, reconnection_token), "t1"},
        {D, "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":\"bye\"}", offsetof(wps_message, message), "bye"},
        {D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g1\",\"fromUserId\":\"f1\",\"dataType\":\"text\",\"data\":\"d1\"}", offsetof(wps_message, group), "g1"},
        {D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g1\",\"fromUserId\":\"f1\",\"dataType\":\"text\",\"data\":\"d1\"}", offsetof(wps_message, from_user_id), "f1"},
        {D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g1\",\"fromUserId\":\"f1\",\"dataType\":\"text\",\"data\":\"d1\"}", offsetof(wps_message, data), "d1"},
        {D, "{\"type\":\"invokeResponse\",\"invocationId\":\"i1\",\"success\":true}", offsetof(wps_message, invocation_id), "i1"},
        {U, "{\"type\":\"invoke\",\"invocationId\":\"i2\",\"target\":\"event\",\"event\":\"e1\"}", offsetof(wps_message, target), "event"},
        {U, "{\"type\":\"invoke\",\"invocationId\":\"i2\",\"target\":\"event\",\"event\":\"e1\"}", offsetof(wps_message, event), "e1"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_codec c = wps_codec_make(REL, cases[i].dir);
        wps_message m;
        const wps_slice *got;
        size_t n = 0;
        ASSERT_EQm(cases[i].frame, WPS_OK, wps_decode(&c, cases[i].frame, strlen(cases[i].frame), g_scratch, sizeof g_scratch, &m, NULL));
        got = (const wps_slice *)(const void *)((const char *)&m + cases[i].member);
        ASSERTm(cases[i].frame, got->ptr && got->len == strlen(cases[i].want) && memcmp(got->ptr, cases[i].want, got->len) == 0);
        /* and written back from the same member, under its own key */
        ASSERT_EQ(WPS_OK, wps_encode(&c, &m, g_out, sizeof g_out, &n, NULL));
        g_out[n] = 0;
        ASSERTm(cases[i].frame, strcmp(g_out, cases[i].frame) == 0);
    }
    {
        /* the numbers and booleans too */
        wps_codec up = wps_codec_make(REL, U), down = wps_codec_make(REL, D);
        wps_message m;
        static const char nack[] = "{\"type\":\"streamAck\",\"streamId\":\"s\",\"expectedSequenceId\":7}";
        static const char data[] = "{\"type\":\"streamData\",\"streamId\":\"s\",\"streamSequenceId\":5,\"dataType\":\"text\",\"data\":\"x\"}";
        static const char send[] = "{\"type\":\"sendToGroup\",\"group\":\"g\",\"ackId\":9,\"noEcho\":true,\"dataType\":\"text\",\"data\":\"x\"}";
        static const char msg[] = "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"x\",\"sequenceId\":11}";
        static const char ack[] = "{\"type\":\"ack\",\"ackId\":4,\"success\":false}";
        ASSERT_EQ(WPS_OK, wps_decode(&down, nack, sizeof nack - 1, g_scratch, sizeof g_scratch, &m, NULL));
        ASSERT(m.expected_sequence_id == 7 && m.has == WPS_HAS_EXPECTED_SEQUENCE_ID);
        ASSERT_EQ(WPS_OK, wps_decode(&up, data, sizeof data - 1, g_scratch, sizeof g_scratch, &m, NULL));
        ASSERT(m.stream_sequence_id == 5 && (m.has & WPS_HAS_STREAM_SEQUENCE_ID) && m.sequence_id == 0);
        ASSERT_EQ(WPS_OK, wps_decode(&up, send, sizeof send - 1, g_scratch, sizeof g_scratch, &m, NULL));
        ASSERT(m.ack_id == 9 && m.no_echo && !m.success && (m.has & WPS_HAS_NO_ECHO) && (m.has & WPS_HAS_ACK_ID));
        ASSERT_EQ(WPS_OK, wps_decode(&down, msg, sizeof msg - 1, g_scratch, sizeof g_scratch, &m, NULL));
        ASSERT(m.sequence_id == 11 && m.has == (WPS_HAS_SEQUENCE_ID | WPS_HAS_DATA) && m.ack_id == 0);
        ASSERT_EQ(WPS_OK, wps_decode(&down, ack, sizeof ack - 1, g_scratch, sizeof g_scratch, &m, NULL));
        ASSERT(m.ack_id == 4 && !m.success && m.has == (WPS_HAS_ACK_ID | WPS_HAS_SUCCESS) && !m.no_echo);
    }
    PASS();
}

TEST errors_have_status_and_reason(void) {
    size_t i;
    unsigned bad = 0;
    for (i = 0; i < COUNT(error_cases); i++) {
        const error_case *c = &error_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m;
        wps_diag d;
        size_t len = c->len ? c->len : strlen(c->frame);
        wps_status st = wps_decode(&codec, c->frame, len, g_scratch, sizeof g_scratch, &m, &d);
        if (st != c->status || !strstr(d.reason, c->reason_part) || d.status != st || m.kind != WPS_KIND_NONE) {
            printf("\n  case %s: expected %s '%s', got %s '%s'\n", c->name, wps_status_name(c->status), c->reason_part,
                   wps_status_name(st), d.reason);
            bad++;
        }
    }
    ASSERT_EQ(0u, bad);
    PASS();
}

/* The status never depends on whether the caller asked for details (review finding: it did). */
TEST errors_same_status_without_diag(void) {
    size_t i;
    for (i = 0; i < COUNT(error_cases); i++) {
        const error_case *c = &error_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m;
        size_t len = c->len ? c->len : strlen(c->frame);
        ASSERT_EQm(c->name, c->status, wps_decode(&codec, c->frame, len, g_scratch, sizeof g_scratch, &m, NULL));
    }
    PASS();
}

typedef struct ignored_case {
    const char *name;
    wps_direction dir;
    const char *frame;
    const char *reason;
} ignored_case;

/* docs/protocol.md 3.9: unknown type / event / from / dataType are dropped for forward compatibility. */
static const ignored_case ignored_cases[] = {
    {"unknown_type", D, "{\"type\":\"futureThing\",\"x\":1}", "unknown type 'futureThing'"},
    {"unknown_system_event", D, "{\"type\":\"system\",\"event\":\"reconnecting\"}", "unknown system event 'reconnecting'"},
    {"unknown_from", D, "{\"type\":\"message\",\"from\":\"channel\",\"data\":1}", "unknown from 'channel'"},
    {"unknown_data_type", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"xml\",\"data\":\"<a/>\"}", "unknown dataType 'xml'"},
    {"unknown_type_with_bad_known_key", D, "{\"type\":\"later\",\"ackId\":-5}", "unknown type 'later'"},
    {"type_is_case_sensitive", D, "{\"type\":\"Ack\",\"ackId\":1,\"success\":true}", "unknown type 'Ack'"},
    {"upstream_type_downstream", D, "{\"type\":\"joinGroup\",\"group\":\"g\"}", "unknown downstream type 'joinGroup'"},
    {"downstream_type_upstream", U, "{\"type\":\"ack\",\"ackId\":1,\"success\":true}", "unknown upstream type 'ack'"},
    {"up_unknown_type", U, "{\"type\":\"subscribe\"}", "unknown type 'subscribe'"},
    {"reason_is_sanitised", D, "{\"type\":\"a\\\"b\\n\"}", "unknown type 'a?b?'"},
    /* the reason keeps printable ASCII only (quote, DEL and non-ASCII bytes become '?') and cuts values at 48 bytes */
    {"reason_replaces_quote_del_and_non_ascii", D, "{\"type\":\"it's\x7f\xc3\xa9\"}", "unknown type 'it?s\?\?\?'"},
    {"reason_cuts_long_values", D, "{\"type\":\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\"}",
     "unknown type 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv...'"},
    /* near misses of known discriminators (same length, one letter off) */
    {"from_group_misspelt", D, "{\"type\":\"message\",\"from\":\"grouq\",\"data\":1}", "unknown from 'grouq'"},
    {"from_server_misspelt", D, "{\"type\":\"message\",\"from\":\"serveX\",\"data\":1}", "unknown from 'serveX'"},
    {"event_connected_misspelt", D, "{\"type\":\"system\",\"event\":\"connectex\"}", "unknown system event 'connectex'"},
    {"type_len10_misspelt", U, "{\"type\":\"streamDatx\"}", "unknown type 'streamDatx'"},
    {"type_len12_misspelt", D, "{\"type\":\"streamClosex\"}", "unknown type 'streamClosex'"},
    {"type_len13_misspelt", U, "{\"type\":\"setGroupStatx\"}", "unknown type 'setGroupStatx'"},
    {"type_len14_misspelt", D, "{\"type\":\"invokeResponsx\"}", "unknown type 'invokeResponsx'"},
    {"type_len16_misspelt", D, "{\"type\":\"cancelInvocatiox\"}", "unknown type 'cancelInvocatiox'"},
    {"type_len18_misspelt", D, "{\"type\":\"groupStateSnapshox\"}", "unknown type 'groupStateSnapshox'"},
    {"type_len19_misspelt", U, "{\"type\":\"subscribeGroupStatx\"}", "unknown type 'subscribeGroupStatx'"},
    {"type_len21_misspelt", U, "{\"type\":\"unsubscribeGroupStatx\"}", "unknown type 'unsubscribeGroupStatx'"},
    /* dataType near misses of every length a known name has, and longer than one */
    {"data_type_4_letters", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"abcd\",\"data\":1}", "unknown dataType 'abcd'"},
    {"data_type_digit", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"1son\",\"data\":1}", "unknown dataType '1son'"},
    {"data_type_known_prefix", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"jsonx\",\"data\":1}", "unknown dataType 'jsonx'"},
    {"data_type_6_letters", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"xxxxxx\",\"data\":1}", "unknown dataType 'xxxxxx'"},
    {"data_type_binary_5th_letter", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binaxy\",\"data\":1}", "unknown dataType 'binaxy'"},
    {"data_type_binary_6th_letter", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binarx\",\"data\":1}", "unknown dataType 'binarx'"},
    {"data_type_8_letters", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"xxxxxxxx\",\"data\":1}", "unknown dataType 'xxxxxxxx'"},
    {"data_type_protobuf_second_half", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"protxxxx\",\"data\":1}", "unknown dataType 'protxxxx'"},
};

TEST ignored_is_distinct_and_explained(void) {
    size_t i;
    unsigned bad = 0;
    for (i = 0; i < COUNT(ignored_cases); i++) {
        const ignored_case *c = &ignored_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m;
        wps_diag d;
        wps_status st = wps_decode(&codec, c->frame, strlen(c->frame), g_scratch, sizeof g_scratch, &m, &d);
        if (st != WPS_IGNORED || strcmp(d.reason, c->reason) != 0 || m.kind != WPS_KIND_NONE) {
            printf("\n  case %s: got %s '%s'\n", c->name, wps_status_name(st), d.reason);
            bad++;
        }
    }
    ASSERT_EQ(0u, bad);
    ASSERT(WPS_IGNORED > 0);
    PASS();
}

/* ---------------------------------------------------------------- limits and memory */

TEST depth_limit_is_configurable(void) {
    char frame[600];
    size_t n = 0;
    int i;
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    /* {"type":"pong","x":[[[...]]]} with 63 arrays = depth 64 */
    n += (size_t)sprintf(frame + n, "{\"type\":\"pong\",\"x\":");
    for (i = 0; i < 63; i++) frame[n++] = '[';
    for (i = 0; i < 63; i++) frame[n++] = ']';
    frame[n++] = '}';
    ASSERT_EQ(WPS_OK, wps_decode(&c, frame, n, NULL, 0, &m, &d));
    c.max_depth = 63;
    ASSERT_EQ(WPS_ERR_DEPTH, wps_decode(&c, frame, n, NULL, 0, &m, &d));
    ASSERT(strstr(d.reason, "too deep") != NULL);
    c.max_depth = 1;
    ASSERT_EQ(WPS_ERR_DEPTH, wps_decode(&c, "{\"type\":\"pong\",\"x\":{}}", 22, NULL, 0, &m, &d));
    ASSERT_EQ(WPS_OK, wps_decode(&c, "{\"type\":\"pong\",\"x\":1}", 21, NULL, 0, &m, &d));
    c.max_depth = WPS_MAX_DEPTH_LIMIT + 1;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(&c, "{}", 2, NULL, 0, &m, &d));
    c.max_depth = 0;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(&c, "{}", 2, NULL, 0, &m, &d));
    PASS();
}

TEST deep_nesting_at_hard_limit_no_crash(void) {
    static char frame[40000];
    size_t n = 0;
    int i;
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    c.max_depth = WPS_MAX_DEPTH_LIMIT;
    n += (size_t)sprintf(frame + n, "{\"type\":\"pong\",\"x\":");
    for (i = 0; i < 15000; i++) frame[n++] = (i & 1) ? '[' : '[';
    ASSERT_EQ(WPS_ERR_DEPTH, wps_decode(&c, frame, n, NULL, 0, &m, &d));
    PASS();
}

TEST zero_copy_slices_point_into_frame(void) {
    const char *f = "{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"fromUserId\":\"al\\u0069ce\",\"dataType\":\"json\",\"data\":{\"a\":1}}";
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    char scratch[64];
    ASSERT_EQ(WPS_OK, wps_decode(&c, f, strlen(f), scratch, sizeof scratch, &m, NULL));
    ASSERT(m.group.ptr > f && m.group.ptr < f + strlen(f)); /* unescaped: in the frame */
    ASSERT_EQ(5u, m.group.len);
    ASSERT(m.data.ptr > f && m.data.ptr < f + strlen(f)); /* json: raw slice */
    ASSERT(m.from_user_id.ptr >= scratch && m.from_user_id.ptr < scratch + sizeof scratch); /* escaped: scratch */
    ASSERT_MEM_EQ("alice", m.from_user_id.ptr, 5);
    PASS();
}

TEST scratch_too_small_reports_exact_need(void) {
    const char *f = "{\"type\":\"message\",\"from\":\"group\",\"group\":\"a\\u00e9b\",\"dataType\":\"binary\",\"data\":\"AAECAwQ=\"}";
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    char scratch[64];
    size_t need = 4 + 5; /* "aéb" = 4 bytes, 5 decoded bytes */
    ASSERT(wps_decode_scratch_bound(strlen(f)) >= need);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_decode(&c, f, strlen(f), NULL, 0, &m, &d));
    ASSERT_EQ(need, d.needed);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_decode(&c, f, strlen(f), scratch, need - 1, &m, &d));
    ASSERT_EQ(need, d.needed);
    ASSERT_EQ(WPS_OK, wps_decode(&c, f, strlen(f), scratch, need, &m, &d));
    ASSERT_EQ(5u, m.data.len);
    ASSERT_MEM_EQ("\x00\x01\x02\x03\x04", m.data.ptr, 5);
    PASS();
}

TEST encode_too_small_reports_exact_size_and_nothing_partial(void) {
    wps_codec c = wps_codec_make(REL, U);
    wps_message m;
    wps_diag d;
    char out[128];
    size_t n = 0, full;
    const char *expect = "{\"type\":\"joinGroup\",\"group\":\"lobby\",\"ackId\":18446744073709551615}";
    wps_message_init(&m, WPS_KIND_JOIN_GROUP);
    m.group = wps_slice_from_cstr("lobby");
    m.ack_id = UINT64_MAX;
    m.has |= WPS_HAS_ACK_ID;
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_encode(&c, &m, NULL, 0, &n, &d));
    full = n;
    ASSERT_EQ(strlen(expect), full);
    ASSERT_EQ(full, d.needed);
    memset(out, 'Z', sizeof out);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_encode(&c, &m, out, full - 1, &n, &d));
    ASSERT_EQ(full, n);
    ASSERT_EQ(WPS_OK, wps_encode(&c, &m, out, full, &n, &d));
    ASSERT_EQ(full, n);
    ASSERT_MEM_EQ(expect, out, full);
    ASSERT_EQ('Z', out[full]);
    PASS();
}

TEST encode_validates_message(void) {
    wps_codec up = wps_codec_make(REL, U), plain = wps_codec_make(PLAIN, U), down = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    size_t n;
    /* invalid UTF-8 in a string */
    wps_message_init(&m, WPS_KIND_JOIN_GROUP);
    m.group = wps_slice_make("a\xff", 2);
    ASSERT_EQ(WPS_ERR_UTF8, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    ASSERT(strstr(d.reason, "group") != NULL);
    /* missing group */
    wps_message_init(&m, WPS_KIND_JOIN_GROUP);
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    /* invalid JSON data */
    wps_message_init(&m, WPS_KIND_SEND_EVENT);
    m.event = wps_slice_from_cstr("e");
    m.has |= WPS_HAS_DATA;
    m.data_type = WPS_DATA_JSON;
    m.data = wps_slice_from_cstr("{\"a\":}");
    ASSERT_EQ(WPS_ERR_SYNTAX, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    m.data = wps_slice_from_cstr("1 2");
    ASSERT_EQ(WPS_ERR_TRAILING, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    /* text data must be valid UTF-8 */
    m.data_type = WPS_DATA_TEXT;
    m.data = wps_slice_make("\xc0\x80", 2);
    ASSERT_EQ(WPS_ERR_UTF8, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    /* binary data is any bytes */
    m.data_type = WPS_DATA_BINARY;
    ASSERT_EQ(WPS_OK, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    /* sequenceAck only on the reliable subprotocol (docs/protocol.md 2, 4.2) */
    wps_message_init(&m, WPS_KIND_SEQUENCE_ACK);
    m.sequence_id = 1;
    m.has |= WPS_HAS_SEQUENCE_ID;
    ASSERT_EQ(WPS_OK, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    ASSERT_EQ(WPS_ERR_INVALID_MESSAGE, wps_encode(&plain, &m, g_out, sizeof g_out, &n, &d));
    /* direction */
    ASSERT_EQ(WPS_ERR_WRONG_DIRECTION, wps_encode(&down, &m, g_out, sizeof g_out, &n, &d));
    wps_message_init(&m, WPS_KIND_NONE);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    /* setGroupState state must be an object */
    wps_message_init(&m, WPS_KIND_SET_GROUP_STATE);
    m.group = wps_slice_from_cstr("g");
    m.state = wps_slice_from_cstr("[1]");
    ASSERT_EQ(WPS_ERR_TYPE_MISMATCH, wps_encode(&up, &m, g_out, sizeof g_out, &n, &d));
    PASS();
}

/* docs/protocol.md 4.1: sequenceId exists only on the reliable subprotocols. wps.h accepts one it
   receives on the plain protocol (liberal in what it accepts) but never writes one there. */
TEST sequence_id_only_sent_on_reliable(void) {
    wps_codec plain_down = wps_codec_make(PLAIN, D), rel_down = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    size_t n;
    const char *f = "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"x\",\"sequenceId\":3}";
    ASSERT_EQ(WPS_OK, wps_decode(&plain_down, f, strlen(f), g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_EQ(WPS_OK, wps_encode(&rel_down, &m, g_out, sizeof g_out, &n, &d));
    ASSERT_EQ(WPS_ERR_INVALID_MESSAGE, wps_encode(&plain_down, &m, g_out, sizeof g_out, &n, &d));
    ASSERT(strstr(d.reason, "sequenceId") != NULL);
    m.has &= ~(uint32_t)WPS_HAS_SEQUENCE_ID;
    ASSERT_EQ(WPS_OK, wps_encode(&plain_down, &m, g_out, sizeof g_out, &n, &d));
    PASS();
}

/* Rendered json data may contain any keys, "$binary" included (review finding), and a rendered
   message must satisfy the same rules as a decoded one. */
TEST parse_rendered_rules(void) {
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    const char *j = "{\"kind\":\"serverData\",\"dataType\":\"json\",\"data\":{\"$binary\":1,\"$binary\":2}}";
    const char *b = "{\"kind\":\"serverData\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"AA==\",\"$binary\":\"AQ==\"}}";
    ASSERT_EQ(WPS_OK, wps_message_parse_rendered(&c, j, strlen(j), g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_EQ(WPS_ERR_DUPLICATE_KEY, wps_message_parse_rendered(&c, b, strlen(b), g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_message_parse_rendered(&c, "{\"kind\":\"ack\"}", 14, g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_EQ(WPS_ERR_SYNTAX, wps_message_parse_rendered(&c, "{\"kind\":", 8, g_scratch, sizeof g_scratch, &m, NULL));
    PASS();
}

/* Invalid JSON data handed to wps_encode: the same status with or without a diag (the scanner
   keeps the status itself, no diag of its own on the stack), and the reason names the field. */
TEST encode_json_data_errors_same_status_without_diag(void) {
    static const struct { const char *data; wps_status status; const char *reason; } cases[] = {
        {"{", WPS_ERR_SYNTAX, "data: "},
        {"[1,]", WPS_ERR_SYNTAX, "data: "},
        {"\"\\x\"", WPS_ERR_ESCAPE, "data: invalid escape"},
        {"tru", WPS_ERR_SYNTAX, "data: "},
        {"\"a\x01\"", WPS_ERR_CONTROL_CHAR, "data: raw control character"},
        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
         WPS_ERR_DEPTH, "data: nesting too deep"},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        wps_codec c = wps_codec_make(WPS_PROTOCOL_JSON, WPS_UPSTREAM);
        wps_message m;
        wps_diag d;
        char out[512];
        size_t n = 0;
        wps_message_init(&m, WPS_KIND_SEND_EVENT);
        m.event = wps_slice_from_cstr("e");
        m.has |= WPS_HAS_DATA;
        m.data_type = WPS_DATA_JSON;
        m.data = wps_slice_from_cstr(cases[i].data);
        ASSERT_EQm(cases[i].data, cases[i].status, wps_encode(&c, &m, out, sizeof out, &n, &d));
        ASSERT_EQm(cases[i].data, cases[i].status, d.status);
        ASSERT_EQm(cases[i].data, 0u, (unsigned)d.offset);
        ASSERTm(cases[i].data, strncmp(d.reason, cases[i].reason, strlen(cases[i].reason)) == 0);
        ASSERT_EQm(cases[i].data, cases[i].status, wps_encode(&c, &m, out, sizeof out, &n, NULL));
    }
    PASS();
}

/* The rendered {"$binary":...} data object is scanned into the frame's one slot table: its
   errors keep their status without a diag too. */
TEST parse_rendered_binary_errors_same_status_without_diag(void) {
    static const struct { const char *json; wps_status status; } cases[] = {
        {"{\"kind\":\"serverData\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"AA==\",\"$binary\":\"AQ==\"}}", WPS_ERR_DUPLICATE_KEY},
        {"{\"kind\":\"serverData\",\"dataType\":\"binary\",\"data\":{\"x\":1}}", WPS_ERR_TYPE_MISMATCH},
        {"{\"kind\":\"serverData\",\"dataType\":\"binary\",\"data\":{\"$binary\":1}}", WPS_ERR_TYPE_MISMATCH},
        {"{\"kind\":\"serverData\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"A\"}}", WPS_ERR_BASE64},
        {"{\"kind\":\"serverData\",\"dataType\":\"binary\",\"data\":{\"$binary\":\"AQ==\"}}", WPS_OK},
        {"{\"kind\":\"serverData\",\"dataType\":\"binary\",\"data\":\"AQ==\"}", WPS_ERR_TYPE_MISMATCH}, /* base64 text without its object */
        {"{\"kind\":\"serverData\",\"dataType\":\"protobuf\",\"data\":{\"type\":\"x\",\"$binary\":\"AQ==\",\"data\":2}}", WPS_OK}, /* other keys skipped */
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        wps_codec c = wps_codec_make(REL, D);
        wps_message m;
        wps_diag d;
        size_t len = strlen(cases[i].json);
        ASSERT_EQm(cases[i].json, cases[i].status, wps_message_parse_rendered(&c, cases[i].json, len, g_scratch, sizeof g_scratch, &m, &d));
        ASSERT_EQm(cases[i].json, cases[i].status, wps_message_parse_rendered(&c, cases[i].json, len, g_scratch, sizeof g_scratch, &m, NULL));
        if (cases[i].status == WPS_OK) ASSERT(m.data.len == 1 && m.data.ptr[0] == 1);
    }
    PASS();
}

TEST sequence_ack_rejected_on_plain_protocol_decode(void) {
    wps_status st;
    const char *r = decode_render(PLAIN, U, "{\"type\":\"sequenceAck\",\"sequenceId\":1}", 37, &st);
    ASSERT_EQ(WPS_ERR_INVALID_MESSAGE, st);
    ASSERT(strstr(r, "reliable") != NULL);
    PASS();
}

TEST protobuf_protocols_report_unsupported(void) {
    wps_codec c = wps_codec_make(WPS_PROTOCOL_PROTOBUF, D);
    wps_message m;
    wps_diag d;
    size_t n;
    ASSERT_EQ(WPS_ERR_UNSUPPORTED_PROTOCOL, wps_decode(&c, "\x0a\x00", 2, NULL, 0, &m, &d));
    wps_message_init(&m, WPS_KIND_PONG);
    ASSERT_EQ(WPS_ERR_UNSUPPORTED_PROTOCOL, wps_encode(&c, &m, g_out, sizeof g_out, &n, &d));
    PASS();
}

TEST binary_frames_carry_json_too(void) {
    /* docs/protocol.md 1: the service accepts JSON in a binary frame as UTF-8 bytes; the codec does not
       care which frame type carried it */
    wps_status st;
    const char *r = decode_render(PLAIN, D, "{\"type\":\"pong\"}", 15, &st);
    ASSERT_EQ(WPS_OK, st);
    ASSERT_STR_EQ("{\"kind\":\"pong\"}", r);
    PASS();
}

/* ---------------------------------------------------------------- small API pieces */

TEST status_names_and_strerror(void) {
    static const wps_status all[] = {
#define X(name, value, text) name,
        WPS_STATUS_LIST(X)
#undef X
    };
    size_t i;
    for (i = 0; i < COUNT(all); i++) {
        ASSERT(strncmp(wps_status_name(all[i]), "WPS_", 4) == 0);
        ASSERT(wps_strerror(all[i])[0] != 0);
    }
    ASSERT_STR_EQ("WPS_OK", wps_status_name(WPS_OK));
    ASSERT_EQ(0, (int)WPS_OK);
    ASSERT_STR_EQ("WPS_UNKNOWN_STATUS", wps_status_name((wps_status)-999));
    ASSERT_STR_EQ("unknown status", wps_strerror((wps_status)-999));
    PASS();
}

TEST protocol_and_kind_names(void) {
    wps_protocol p;
    int k;
    ASSERT_EQ(WPS_OK, wps_protocol_from_name("json.reliable.webpubsub.azure.v1", 32, &p));
    ASSERT_EQ(WPS_PROTOCOL_JSON_RELIABLE, p);
    ASSERT_EQ(WPS_OK, wps_protocol_from_name("protobuf.webpubsub.azure.v1", 27, &p));
    ASSERT_EQ(WPS_PROTOCOL_PROTOBUF, p);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_protocol_from_name("json.webpubsub.azure.v2", 23, &p));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_protocol_from_name("json.webpubsub.azure.v1x", 24, &p)); /* prefix only */
    ASSERT(wps_protocol_is_reliable(WPS_PROTOCOL_JSON_RELIABLE));
    ASSERT_FALSE(wps_protocol_is_reliable(WPS_PROTOCOL_JSON));
    ASSERT(wps_protocol_is_binary(WPS_PROTOCOL_PROTOBUF_RELIABLE));
    for (k = 1; k < WPS_KIND_COUNT_; k++) {
        const char *name = wps_kind_name((wps_kind)k);
        ASSERT_EQ((wps_kind)k, wps_kind_from_name(name, strlen(name)));
    }
    ASSERT_EQ(WPS_KIND_NONE, wps_kind_from_name("nope", 4));
    ASSERT_STR_EQ("sendEvent", wps_kind_name(WPS_KIND_SEND_EVENT));
    ASSERT(wps_kind_allows_direction(WPS_KIND_INVOKE_RESPONSE, D) && wps_kind_allows_direction(WPS_KIND_INVOKE_RESPONSE, U));
    ASSERT_FALSE(wps_kind_allows_direction(WPS_KIND_ACK, U));
    PASS();
}

TEST base64_vectors(void) {
    /* RFC 4648 section 10 */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    size_t i, n;
    char b[16];
    wps_diag d;
    for (i = 0; i < 7; i++) {
        n = wps_base64_encode(plain[i], strlen(plain[i]), b, sizeof b);
        ASSERT_EQ(strlen(enc[i]), n);
        ASSERT_MEM_EQ(enc[i], b, n);
        ASSERT_EQ(WPS_OK, wps_base64_decode(enc[i], strlen(enc[i]), b, sizeof b, &n, &d));
        ASSERT_EQ(strlen(plain[i]), n);
        ASSERT_MEM_EQ(plain[i], b, n);
    }
    ASSERT_EQ(8u, wps_base64_encode("foobar", 6, b, 3)); /* too small: size only */
    ASSERT_EQ(WPS_ERR_BASE64, wps_base64_decode("Zg=", 3, b, sizeof b, &n, &d));
    ASSERT_EQ(WPS_ERR_BASE64, wps_base64_decode("Z-==", 4, b, sizeof b, &n, &d));
    ASSERT_EQ(1u, d.offset);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_base64_decode("Zm9vYmFy", 8, b, 5, &n, &d));
    ASSERT_EQ(6u, n);
    PASS();
}

/* Every length 0..300 through encode -> decode (covers the 16-char SIMD blocks, their boundary
   with the final quad, and both padding forms), plus a bad character at every position. */
/* Every byte value at every position of a 100-character input (the SSE2 and AVX2 blocks and
   the scalar tail): rejected at its offset unless it is in the alphabet, else decoded exactly
   as an independent table-free reference decodes it. */
static int b64_value(unsigned c) {
    if (c >= 'A' && c <= 'Z') return (int)(c - 'A');
    if (c >= 'a' && c <= 'z') return (int)(c - 'a') + 26;
    if (c >= '0' && c <= '9') return (int)(c - '0') + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

TEST base64_every_byte_at_every_position(void) {
    static char enc[100];
    static unsigned char dec[80], ref[80];
    size_t pos, n, i;
    unsigned b;
    wps_diag d;
    for (i = 0; i < sizeof enc; i++) enc[i] = "QmFzZTY0+/09azZ"[i % 15];
    for (pos = 0; pos < 96; pos++) { /* the last quad may hold '=': covered by the vectors above */
        char saved = enc[pos];
        for (b = 0; b < 256; b++) {
            wps_status st;
            enc[pos] = (char)b;
            st = wps_base64_decode(enc, sizeof enc, dec, sizeof dec, &n, &d);
            if (b64_value(b) < 0) {
                ASSERT_EQ(WPS_ERR_BASE64, st);
                ASSERT_EQ(pos, d.offset);
                continue;
            }
            ASSERT_EQ(WPS_OK, st);
            ASSERT_EQ((size_t)75, n);
            for (i = 0; i < 25; i++) {
                uint32_t v = ((uint32_t)b64_value((unsigned char)enc[4 * i]) << 18) | ((uint32_t)b64_value((unsigned char)enc[4 * i + 1]) << 12) |
                             ((uint32_t)b64_value((unsigned char)enc[4 * i + 2]) << 6) | (uint32_t)b64_value((unsigned char)enc[4 * i + 3]);
                ref[3 * i] = (unsigned char)(v >> 16);
                ref[3 * i + 1] = (unsigned char)(v >> 8);
                ref[3 * i + 2] = (unsigned char)v;
            }
            ASSERT_MEM_EQ(ref, dec, 75);
        }
        enc[pos] = saved;
    }
    PASS();
}

TEST base64_round_trip_every_length(void) {
    static char raw[300], enc[404], dec[300];
    size_t len, n, m, i;
    wps_diag d;
    for (i = 0; i < sizeof raw; i++) raw[i] = (char)(i * 131 + 7);
    for (len = 0; len <= sizeof raw; len++) {
        n = wps_base64_encode(raw, len, enc, sizeof enc);
        ASSERT_EQ((len + 2) / 3 * 4, n);
        ASSERT_EQ(WPS_OK, wps_base64_decode(enc, n, dec, sizeof dec, &m, &d));
        ASSERT_EQ(len, m);
        ASSERT(len == 0 || memcmp(raw, dec, len) == 0);
        for (i = 0; i + 2 < n; i += 7) {
            char saved = enc[i];
            enc[i] = '*';
            ASSERT_EQ(WPS_ERR_BASE64, wps_base64_decode(enc, n, dec, sizeof dec, &m, &d));
            ASSERT_EQ(i, d.offset);
            enc[i] = saved;
        }
    }
    PASS();
}

/* Every public entry point refuses NULL where it needs memory, with a status, never a crash. */
TEST null_arguments_are_rejected(void) {
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    size_t n = 0;
    wps_protocol p;
    char buf[8];
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(NULL, "{}", 2, NULL, 0, &m, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(&c, "{}", 2, NULL, 0, NULL, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(&c, NULL, 5, NULL, 0, &m, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(&c, "{}", 2, NULL, 10, &m, &d));
    ASSERT_EQ(WPS_ERR_EMPTY, wps_decode(&c, NULL, 0, NULL, 0, &m, NULL)); /* diag is optional */
    wps_message_init(&m, WPS_KIND_PONG);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_encode(NULL, &m, buf, sizeof buf, &n, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_encode(&c, NULL, buf, sizeof buf, &n, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_encode(&c, &m, NULL, 10, &n, &d));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_encode(&c, &m, NULL, 0, NULL, NULL)); /* out_len optional */
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_message_render(NULL, buf, sizeof buf, &n));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_message_render(&m, NULL, 10, &n));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_render_result(WPS_OK, NULL, NULL, buf, sizeof buf, &n));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_message_parse_rendered(&c, NULL, 3, NULL, 0, &m, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_protocol_from_name(NULL, 0, &p));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_base64_decode(NULL, 4, buf, sizeof buf, &n, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_base64_decode("Zg==", 4, buf, sizeof buf, NULL, &d));
    ASSERT_EQ(0u, wps_base64_encode(NULL, 3, buf, sizeof buf));
    ASSERT_EQ(WPS_KIND_NONE, wps_kind_from_name(NULL, 3));
    ASSERT_EQ(0u, wps_slice_from_cstr(NULL).len);
    wps_message_init(NULL, WPS_KIND_PONG);
    {
        volatile int out_of_range = 99; /* a value no enumerator has, as a corrupted struct would hold */
        ASSERT_STR_EQ("", wps_protocol_name((wps_protocol)out_of_range));
        ASSERT_STR_EQ("", wps_kind_name((wps_kind)out_of_range));
    }
    PASS();
}

TEST render_result_shapes(void) {
    wps_diag d;
    size_t n;
    memset(&d, 0, sizeof d);
    strcpy(d.reason, "unknown type 'x'");
    ASSERT_EQ(WPS_OK, wps_render_result(WPS_IGNORED, NULL, &d, g_out, sizeof g_out, &n));
    g_out[n] = 0;
    ASSERT_STR_EQ("{\"$ignored\":\"unknown type 'x'\"}", g_out);
    strcpy(d.reason, "bad \"q\"");
    ASSERT_EQ(WPS_OK, wps_render_result(WPS_ERR_SYNTAX, NULL, &d, g_out, sizeof g_out, &n));
    g_out[n] = 0;
    ASSERT_STR_EQ("{\"$error\":\"WPS_ERR_SYNTAX: bad \\\"q\\\"\"}", g_out);
    PASS();
}

TEST render_escapes_control_chars_in_text(void) {
    wps_message m;
    size_t n;
    wps_message_init(&m, WPS_KIND_SERVER_DATA);
    m.has = WPS_HAS_DATA;
    m.data_type = WPS_DATA_TEXT;
    m.data = wps_slice_make("a\x1f\x7f\n", 4);
    ASSERT_EQ(WPS_OK, wps_message_render(&m, g_out, sizeof g_out, &n));
    g_out[n] = 0;
    ASSERT_STR_EQ("{\"kind\":\"serverData\",\"dataType\":\"text\",\"data\":\"a\\u001f\x7f\\n\"}", g_out);
    PASS();
}

TEST large_payload_round_trip(void) {
    static char frame[300000], big[200000];
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    static char scratch[300000];
    size_t i, n, bn;
    for (i = 0; i < sizeof big; i++) big[i] = (char)(i * 7);
    n = (size_t)sprintf(frame, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"");
    bn = wps_base64_encode(big, sizeof big, frame + n, sizeof frame - n);
    n += bn;
    n += (size_t)sprintf(frame + n, "\",\"sequenceId\":7}");
    ASSERT_EQ(WPS_OK, wps_decode(&c, frame, n, scratch, sizeof scratch, &m, NULL));
    ASSERT_EQ(sizeof big, m.data.len);
    ASSERT_MEM_EQ(big, m.data.ptr, sizeof big);
    PASS();
}

/* ---------------------------------------------------------------- edges of the small API */

TEST protocol_kind_and_data_type_queries_at_the_edges(void) {
    static const char *const names[] = {"json", "text", "binary", "protobuf"};
    wps_protocol p = WPS_PROTOCOL_JSON;
    int i;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_protocol_from_name("json.webpubsub.azure.v1", 23, NULL)); /* nowhere to put it */
    ASSERT_EQ(WPS_OK, wps_protocol_from_name("protobuf.reliable.webpubsub.azure.v1", 36, &p));
    ASSERT_EQ(WPS_PROTOCOL_PROTOBUF_RELIABLE, p);
    ASSERT(wps_protocol_is_reliable(WPS_PROTOCOL_PROTOBUF_RELIABLE));
    ASSERT_FALSE(wps_protocol_is_reliable(WPS_PROTOCOL_PROTOBUF));
    ASSERT_FALSE(wps_protocol_is_binary(WPS_PROTOCOL_JSON_RELIABLE));
    ASSERT_FALSE(wps_kind_allows_direction(WPS_KIND_NONE, D));
    ASSERT_FALSE(wps_kind_allows_direction(WPS_KIND_NONE, U));
    ASSERT_FALSE(wps_kind_allows_direction(WPS_KIND_COUNT_, D));
    ASSERT_FALSE(wps_kind_allows_direction(WPS_KIND_COUNT_, U));
    ASSERT_STR_EQ("", wps_kind_name(WPS_KIND_NONE));
    ASSERT_STR_EQ("", wps_kind_name(WPS_KIND_COUNT_));
    ASSERT_EQ(WPS_KIND_NONE, wps_kind_from_name("ack", 2)); /* a prefix is not the name */
    for (i = 0; i < 4; i++) ASSERT_STR_EQ(names[i], wps_data_type_name((wps_data_type)i));
    PASS();
}

/* The last quad of a base64 text: '=' only as its last one or two characters; the offset is the
   first bad character. */
TEST base64_final_quad_errors_name_the_bad_character(void) {
    static const struct { const char *text; size_t offset; } cases[] = {
        {"=AAA", 0}, {"A===", 1}, {"AA=A", 2}, {"AA=*", 2}, {"AA*=", 2}, {"AAA*", 3}, {"Zm9vAA=A", 6}, {"Zm9vAAA*", 7},
    };
    size_t i, n;
    unsigned char out[8];
    wps_diag d;
    for (i = 0; i < COUNT(cases); i++) {
        ASSERT_EQm(cases[i].text, WPS_ERR_BASE64, wps_base64_decode(cases[i].text, strlen(cases[i].text), out, sizeof out, &n, &d));
        ASSERT_EQm(cases[i].text, cases[i].offset, d.offset);
        ASSERTm(cases[i].text, strstr(d.reason, "invalid base64 character") != NULL);
        /* measuring (no room) validates too, with the same offset */
        ASSERT_EQm(cases[i].text, WPS_ERR_BASE64, wps_base64_decode(cases[i].text, strlen(cases[i].text), NULL, 0, &n, &d));
        ASSERT_EQm(cases[i].text, cases[i].offset, d.offset);
    }
    PASS();
}

TEST base64_decode_measures_and_checks_arguments(void) {
    size_t n = 99;
    char b[8];
    wps_diag d;
    ASSERT_EQ(WPS_OK, wps_base64_decode(NULL, 0, NULL, 0, &n, &d)); /* nothing to decode */
    ASSERT_EQ(0u, n);
    ASSERT_EQ(WPS_OK, wps_base64_decode(NULL, 0, b, sizeof b, &n, NULL));
    ASSERT_EQ(0u, n);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_base64_decode("Zg==", 4, NULL, 0, &n, &d)); /* measure */
    ASSERT_EQ(1u, n);
    ASSERT_EQ(1u, d.needed);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_base64_decode("Zm9v", 4, b, 2, &n, NULL)); /* no diag: same status */
    ASSERT_EQ(3u, n);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_base64_decode("Zg==", 4, NULL, 4, &n, &d)); /* room claimed, no buffer */
    ASSERT_EQ(WPS_ERR_BASE64, wps_base64_decode("Zm9", 3, b, sizeof b, &n, &d));
    ASSERT_EQ(3u, d.offset); /* the length is judged at the end */
    ASSERT(strstr(d.reason, "multiple of 4") != NULL);
    PASS();
}

TEST base64_encode_measures_without_writing(void) {
    char b[8];
    memset(b, 'Z', sizeof b);
    ASSERT_EQ(0u, wps_base64_encode(NULL, 0, b, sizeof b));
    ASSERT_EQ(0u, wps_base64_encode("", 0, NULL, 0));
    ASSERT_EQ(4u, wps_base64_encode("foo", 3, NULL, 100)); /* no buffer: the size only */
    ASSERT_EQ(8u, wps_base64_encode("foob", 4, b, 7));    /* too small: the size, nothing written */
    ASSERT_EQ('Z', b[0]);
    /* a length whose encoding would not fit in size_t (nothing is read) */
    ASSERT_EQ((size_t)SIZE_MAX, wps_base64_encode("x", SIZE_MAX, NULL, 0));
    ASSERT_EQ((size_t)SIZE_MAX, wps_base64_encode("x", (SIZE_MAX - 3) / 4 * 3 + 1, b, sizeof b));
    PASS();
}

/* ---------------------------------------------------------------- decode: arguments and memory */

TEST decode_refuses_frames_longer_than_size_max_16(void) {
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    char frame[] = "{\"type\":\"pong\"}";
    /* refused before a byte is read */
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(&c, frame, SIZE_MAX / 16 + 1, g_scratch, sizeof g_scratch, &m, &d));
    ASSERT(strstr(d.reason, "SIZE_MAX / 16") != NULL);
    ASSERT_EQ(WPS_KIND_NONE, m.kind);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode(&c, frame, SIZE_MAX / 16 + 1, NULL, 0, &m, NULL));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode_in_place(&c, frame, SIZE_MAX / 16 + 1, &m, &d));
    ASSERT_STR_EQ("{\"type\":\"pong\"}", frame); /* untouched */
    PASS();
}

TEST decode_protobuf_without_message_reports_unsupported(void) {
    wps_codec c = wps_codec_make(WPS_PROTOCOL_PROTOBUF_RELIABLE, D);
    wps_diag d;
    ASSERT_EQ(WPS_ERR_UNSUPPORTED_PROTOCOL, wps_decode(&c, "\x0a\x00", 2, NULL, 0, NULL, &d));
    ASSERT(strstr(d.reason, "protobuf") != NULL);
    PASS();
}

/* Empty binary data decodes without scratch: no byte needed. */
TEST decode_empty_binary_needs_no_scratch(void) {
    const char *f = "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"\"}";
    wps_codec c = wps_codec_make(REL, D), up = wps_codec_make(REL, U);
    wps_message m;
    const char *g = "{\"type\":\"event\",\"event\":\"e\",\"dataType\":\"protobuf\",\"data\":\"\"}";
    ASSERT_EQ(WPS_OK, wps_decode(&c, f, strlen(f), NULL, 0, &m, NULL));
    ASSERT_EQ(WPS_DATA_BINARY, m.data_type);
    ASSERT_EQ(0u, m.data.len);
    ASSERT(m.data.ptr != NULL); /* present, empty */
    ASSERT_EQ(WPS_OK, wps_decode(&up, g, strlen(g), NULL, 0, &m, NULL)); /* the general decoder */
    ASSERT_EQ(WPS_DATA_PROTOBUF, m.data_type);
    ASSERT_EQ(0u, m.data.len);
    PASS();
}

/* Escaped base64 needs its unescaped length of scratch (JSON RULES): without scratch the status
   is WPS_ERR_BUFFER_TOO_SMALL with diag.needed, with or without a diag. */
TEST decode_escaped_base64_without_scratch_reports_need(void) {
    static const struct { wps_direction dir; const char *frame; size_t needed; } cases[] = {
        {D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"AA\\/A\"}", 4},
        {U, "{\"type\":\"event\",\"event\":\"e\",\"dataType\":\"binary\",\"data\":\"AA\\/A\\u0041AAA\"}", 8},
        {D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"AAEC\"}", 3},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        wps_codec c = wps_codec_make(REL, cases[i].dir);
        wps_message m;
        wps_diag d;
        size_t len = strlen(cases[i].frame);
        ASSERT_EQm(cases[i].frame, WPS_ERR_BUFFER_TOO_SMALL, wps_decode(&c, cases[i].frame, len, NULL, 0, &m, &d));
        ASSERT_EQm(cases[i].frame, cases[i].needed, d.needed);
        ASSERT_EQ(WPS_KIND_NONE, m.kind);
        ASSERT_EQm(cases[i].frame, WPS_ERR_BUFFER_TOO_SMALL, wps_decode(&c, cases[i].frame, len, NULL, 0, &m, NULL));
        ASSERT_EQm(cases[i].frame, WPS_ERR_BUFFER_TOO_SMALL, wps_decode(&c, cases[i].frame, len, g_scratch, cases[i].needed - 1, &m, NULL));
        ASSERT_EQm(cases[i].frame, WPS_OK, wps_decode(&c, cases[i].frame, len, g_scratch, cases[i].needed, &m, &d));
    }
    PASS();
}

/* The decode fast path keeps 64 container levels; deeper json data (allowed by a larger
   max_depth) goes to the general decoder with the same result, and the limit still holds. */
TEST deep_json_data_beyond_fast_path_stack(void) {
    static char frame[512];
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    size_t n = 0;
    int i;
    n += (size_t)sprintf(frame, "{\"type\":\"message\",\"from\":\"server\",\"data\":");
    for (i = 0; i < 100; i++) frame[n++] = '[';
    for (i = 0; i < 100; i++) frame[n++] = ']';
    frame[n++] = '}';
    c.max_depth = WPS_MAX_DEPTH_LIMIT;
    ASSERT_EQ(WPS_OK, wps_decode(&c, frame, n, NULL, 0, &m, &d));
    ASSERT_EQ(WPS_KIND_SERVER_DATA, m.kind);
    ASSERT_EQ(200u, m.data.len);
    ASSERT_EQ('[', m.data.ptr[0]);
    c.max_depth = 101; /* the top-level object is depth 1, the innermost array depth 101 */
    ASSERT_EQ(WPS_OK, wps_decode(&c, frame, n, NULL, 0, &m, &d));
    c.max_depth = 100;
    ASSERT_EQ(WPS_ERR_DEPTH, wps_decode(&c, frame, n, NULL, 0, &m, &d));
    ASSERT(strstr(d.reason, "nesting too deep at byte 140") != NULL); /* the 100th '[' */
    PASS();
}

/* ---------------------------------------------------------------- decode in place */

/* wps_decode_in_place gives what wps_decode gives, for every frame of the decode, error and
   ignored tables: the same message, or the same status, offset and (for ignored) reason. */
TEST decode_in_place_matches_decode_for_every_table_frame(void) {
    static char buf[4096];
    size_t i;
    unsigned bad = 0;
    for (i = 0; i < COUNT(decode_cases); i++) {
        const decode_case *c = &decode_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m;
        wps_diag d;
        size_t len = strlen(c->frame), n = 0;
        wps_status st;
        memcpy(buf, c->frame, len);
        st = wps_decode_in_place(&codec, buf, len, &m, &d);
        if (st == WPS_OK && wps_message_render(&m, g_out, sizeof g_out - 1, &n) == WPS_OK) g_out[n] = 0;
        else g_out[0] = 0;
        if (st != WPS_OK || strcmp(g_out, c->expect) != 0) {
            printf("\n  case %s: %s\n    expected %s\n    got      %s\n", c->name, wps_status_name(st), c->expect, g_out);
            bad++;
        }
        if (st == WPS_OK && m.group.ptr && (m.group.ptr < buf || m.group.ptr >= buf + len)) bad++; /* slices into the frame */
    }
    for (i = 0; i < COUNT(error_cases); i++) {
        const error_case *c = &error_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m;
        wps_diag d, d2;
        size_t len = c->len ? c->len : strlen(c->frame);
        wps_status st, st2 = wps_decode(&codec, c->frame, len, g_scratch, sizeof g_scratch, &m, &d2);
        memcpy(buf, c->frame, len);
        st = wps_decode_in_place(&codec, buf, len, &m, &d);
        if (st != st2 || d.offset != d2.offset || m.kind != WPS_KIND_NONE) {
            printf("\n  case %s: in place %s at %u, decode %s at %u\n", c->name, wps_status_name(st), (unsigned)d.offset, wps_status_name(st2),
                   (unsigned)d2.offset);
            bad++;
        }
    }
    for (i = 0; i < COUNT(ignored_cases); i++) {
        const ignored_case *c = &ignored_cases[i];
        wps_codec codec = wps_codec_make(REL, c->dir);
        wps_message m;
        wps_diag d;
        size_t len = strlen(c->frame);
        memcpy(buf, c->frame, len);
        if (wps_decode_in_place(&codec, buf, len, &m, &d) != WPS_IGNORED || strcmp(d.reason, c->reason) != 0) {
            printf("\n  case %s: in place '%s'\n", c->name, d.reason);
            bad++;
        }
    }
    ASSERT_EQ(0u, bad);
    PASS();
}

/* Unescaped text and decoded bytes are written over their own encoded form inside the frame. */
TEST decode_in_place_writes_over_the_frame(void) {
    static const struct { const char *frame; const char *group; const char *data; size_t data_len; } cases[] = {
        {"{\"type\":\"message\",\"from\":\"group\",\"group\":\"a\\u00e9\\ud83d\\ude00\",\"dataType\":\"binary\",\"data\":\"AA\\/A\"}",
         "a\xc3\xa9\xf0\x9f\x98\x80", "\x00\x0f\xc0", 3},
        {"{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"protobuf\",\"data\":\"AAECAw==\"}", "g", "\x00\x01\x02\x03", 4},
        {"{\"type\":\"message\",\"from\":\"group\",\"group\":\"\\\"q\\\"\",\"dataType\":\"text\",\"data\":\"l1\\nl2\"}", "\"q\"", "l1\nl2", 5},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        static char buf[256];
        wps_codec c = wps_codec_make(PLAIN, D);
        wps_message m;
        wps_diag d;
        size_t len = strlen(cases[i].frame);
        memcpy(buf, cases[i].frame, len);
        ASSERT_EQm(cases[i].frame, WPS_OK, wps_decode_in_place(&c, buf, len, &m, &d));
        ASSERT_EQ(WPS_KIND_GROUP_DATA, m.kind);
        ASSERT_EQ(strlen(cases[i].group), m.group.len);
        ASSERT_MEM_EQ(cases[i].group, m.group.ptr, m.group.len);
        ASSERT(m.group.ptr > buf && m.group.ptr < buf + len);
        ASSERT_EQ(cases[i].data_len, m.data.len);
        ASSERT_MEM_EQ(cases[i].data, m.data.ptr, m.data.len);
        ASSERT(m.data.ptr > buf && m.data.ptr < buf + len);
    }
    PASS();
}

/* Base64 errors in place: the offset is the data string's body, or the bad character when no
   escape moved it. */
TEST decode_in_place_base64_errors(void) {
    static const struct { const char *data; const char *reason; } cases[] = {
        {"AAE", "data: base64 length is not a multiple of 4 at byte 62"},
        {"AA\\/", "data: base64 length is not a multiple of 4 at byte 62"},
        {"AA*A", "data: invalid base64 character at byte 64"},
        {"AA\\nA", "data: invalid base64 character (after unescaping) at byte 62"}, /* worded as wps_decode words it */
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        static char buf[256];
        wps_codec c = wps_codec_make(REL, D);
        wps_message m;
        wps_diag d;
        size_t len = (size_t)sprintf(buf, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"%s\"}", cases[i].data);
        ASSERT_EQm(cases[i].data, WPS_ERR_BASE64, wps_decode_in_place(&c, buf, len, &m, &d));
        ASSERT_STR_EQm(cases[i].data, cases[i].reason, d.reason);
        ASSERT_EQ(WPS_KIND_NONE, m.kind);
        len = (size_t)sprintf(buf, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"%s\"}", cases[i].data);
        ASSERT_EQm(cases[i].data, WPS_ERR_BASE64, wps_decode_in_place(&c, buf, len, &m, NULL));
    }
    PASS();
}

TEST decode_in_place_null_frame(void) {
    wps_codec c = wps_codec_make(REL, D);
    wps_message m;
    wps_diag d;
    ASSERT_EQ(WPS_ERR_EMPTY, wps_decode_in_place(&c, NULL, 0, &m, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode_in_place(&c, NULL, 5, &m, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_decode_in_place(NULL, NULL, 0, &m, &d));
    PASS();
}

/* ---------------------------------------------------------------- parse_rendered */

TEST parse_rendered_kind_and_codec_edges(void) {
    wps_codec c = wps_codec_make(PLAIN, D);
    wps_message m;
    wps_diag d;
    const char *seq = "{\"kind\":\"sequenceAck\",\"sequenceId\":1}";
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_message_parse_rendered(&c, "{\"group\":\"g\"}", 13, g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_STR_EQ("kind: required field missing", d.reason);
    ASSERT_EQ(WPS_IGNORED, wps_message_parse_rendered(&c, "{\"kind\":\"future\"}", 17, g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_STR_EQ("unknown kind 'future'", d.reason);
    ASSERT_EQ(WPS_KIND_NONE, m.kind);
    /* the codec's protocol applies its rules; without a codec, the reliable subprotocol's */
    ASSERT_EQ(WPS_ERR_INVALID_MESSAGE, wps_message_parse_rendered(&c, seq, strlen(seq), g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_EQ(WPS_OK, wps_message_parse_rendered(NULL, seq, strlen(seq), g_scratch, sizeof g_scratch, &m, &d));
    ASSERT_EQ(WPS_KIND_SEQUENCE_ACK, m.kind);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_message_parse_rendered(NULL, seq, strlen(seq), g_scratch, sizeof g_scratch, NULL, &d));
    PASS();
}

/* Without a codec the default nesting limit (WPS_DEFAULT_MAX_DEPTH) applies. */
TEST parse_rendered_without_codec_uses_default_depth(void) {
    static char json[512];
    wps_message m;
    wps_diag d;
    size_t n = 0;
    int i;
    n += (size_t)sprintf(json, "{\"kind\":\"serverData\",\"dataType\":\"json\",\"data\":");
    for (i = 0; i < WPS_DEFAULT_MAX_DEPTH - 1; i++) json[n++] = '[';
    for (i = 0; i < WPS_DEFAULT_MAX_DEPTH - 1; i++) json[n++] = ']';
    json[n++] = '}';
    ASSERT_EQ(WPS_OK, wps_message_parse_rendered(NULL, json, n, g_scratch, sizeof g_scratch, &m, &d));
    n = 0;
    n += (size_t)sprintf(json, "{\"kind\":\"serverData\",\"dataType\":\"json\",\"data\":");
    for (i = 0; i < WPS_DEFAULT_MAX_DEPTH; i++) json[n++] = '[';
    for (i = 0; i < WPS_DEFAULT_MAX_DEPTH; i++) json[n++] = ']';
    json[n++] = '}';
    ASSERT_EQ(WPS_ERR_DEPTH, wps_message_parse_rendered(NULL, json, n, g_scratch, sizeof g_scratch, &m, &d));
    PASS();
}

/* ---------------------------------------------------------------- encode edges */

static wps_status encode_to_g_out(wps_direction dir, const wps_message *m, size_t *n, wps_diag *d) {
    wps_codec c = wps_codec_make(REL, dir);
    wps_status st = wps_encode(&c, m, g_out, sizeof g_out - 1, n, d);
    g_out[st == WPS_OK ? *n : 0] = 0;
    return st;
}

/* JSON data is copied without insignificant whitespace of any of the four kinds; string
   contents are kept. */
TEST encode_minifies_every_json_whitespace(void) {
    wps_message m;
    wps_diag d;
    size_t n = 0;
    wps_message_init(&m, WPS_KIND_SERVER_DATA);
    m.has = WPS_HAS_DATA;
    m.data_type = WPS_DATA_JSON;
    m.data = wps_slice_from_cstr(" [1,\n2,\r3,\t4, \"a b\\n\\\" \" ]\r\n");
    ASSERT_EQ(WPS_OK, encode_to_g_out(D, &m, &n, &d));
    ASSERT_STR_EQ("{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"json\",\"data\":[1,2,3,4,\"a b\\n\\\" \"]}", g_out);
    PASS();
}

/* Text or binary data with a NULL pointer and length 0 is the empty string. */
TEST encode_absent_bytes_as_empty_data(void) {
    static const struct { wps_data_type type; const char *wire; } cases[] = {
        {WPS_DATA_TEXT, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":\"\"}"},
        {WPS_DATA_BINARY, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"\"}"},
        {WPS_DATA_PROTOBUF, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"protobuf\",\"data\":\"\"}"},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        wps_message m;
        wps_diag d;
        size_t n = 0;
        wps_message_init(&m, WPS_KIND_SERVER_DATA);
        m.has = WPS_HAS_DATA;
        m.data_type = cases[i].type;
        m.data = wps_slice_make(NULL, 0);
        ASSERT_EQ(WPS_OK, encode_to_g_out(D, &m, &n, &d));
        ASSERT_STR_EQ(cases[i].wire, g_out);
        m.data = wps_slice_make(NULL, 3); /* a length without bytes */
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, encode_to_g_out(D, &m, &n, &d));
        ASSERT_STR_EQ("data: NULL data with a length", d.reason);
    }
    PASS();
}

/* What wps_encode refuses, with the reason naming the field. */
TEST encode_refuses_broken_messages(void) {
    /* offset: where the diag points (for a string value, the bad byte inside it) */
    static const struct { const char *name; wps_direction dir; wps_kind kind; size_t offset; wps_status status; const char *reason; } cases[] = {
        {"empty_json_state", U, WPS_KIND_SET_GROUP_STATE, 0, WPS_ERR_SYNTAX, "state: empty JSON value"},
        {"empty_json_data", U, WPS_KIND_SEND_EVENT, 0, WPS_ERR_SYNTAX, "data: empty JSON value"},
        {"items_not_array", D, WPS_KIND_GROUP_STATE_UPDATE, 0, WPS_ERR_TYPE_MISMATCH, "items: array expected"},
        {"stream_end_error_with_name", U, WPS_KIND_STREAM_END, 0, WPS_ERR_INVALID_MESSAGE, "error: streamEnd error must not contain name"},
        {"stream_start_without_id", U, WPS_KIND_SEND_TO_GROUP, 0, WPS_ERR_MISSING_FIELD, "stream.streamId: required field missing"},
        {"stream_info_without_sequence_id", D, WPS_KIND_GROUP_DATA, 0, WPS_ERR_MISSING_FIELD, "stream.streamSequenceId: required field missing"},
        {"downstream_kind_upstream", U, WPS_KIND_ACK, 0, WPS_ERR_WRONG_DIRECTION, "ack: is not an upstream message"},
        {"upstream_kind_downstream", D, WPS_KIND_PING, 0, WPS_ERR_WRONG_DIRECTION, "ping: is not a downstream message"},
        {"kind_out_of_range", U, WPS_KIND_COUNT_, 0, WPS_ERR_INVALID_ARGUMENT, "kind: unknown message kind"},
        {"nack_missing_expected_sequence_id", D, WPS_KIND_STREAM_NACK, 0, WPS_ERR_MISSING_FIELD, "expectedSequenceId: required field missing"},
        {"error_message_bad_utf8", D, WPS_KIND_ACK, 1, WPS_ERR_UTF8, "message: invalid UTF-8 in the value"},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        wps_message m;
        wps_diag d;
        size_t n = 7;
        wps_message_init(&m, cases[i].kind);
        m.group = wps_slice_from_cstr("g");
        m.event = wps_slice_from_cstr("e");
        m.stream_id = wps_slice_from_cstr("s");
        switch (cases[i].kind) {
        case WPS_KIND_SET_GROUP_STATE: m.state = wps_slice_make("", 0); break;
        case WPS_KIND_SEND_EVENT: m.has |= WPS_HAS_DATA; m.data = wps_slice_make("", 0); break;
        case WPS_KIND_GROUP_STATE_UPDATE: m.items = wps_slice_from_cstr("{}"); break;
        case WPS_KIND_STREAM_END: m.has |= WPS_HAS_ERROR; m.error.name = wps_slice_from_cstr("X"); break;
        case WPS_KIND_SEND_TO_GROUP: m.has |= WPS_HAS_STREAM; m.stream_id = wps_slice_make(NULL, 0); break;
        case WPS_KIND_GROUP_DATA: m.has |= WPS_HAS_STREAM | WPS_HAS_DATA; m.data = wps_slice_from_cstr("1"); break;
        case WPS_KIND_ACK:
            m.has |= WPS_HAS_ACK_ID | WPS_HAS_SUCCESS | WPS_HAS_ERROR;
            m.error.message = wps_slice_make("a\xff", 2);
            break;
        default: break;
        }
        ASSERT_EQm(cases[i].name, cases[i].status, encode_to_g_out(cases[i].dir, &m, &n, &d));
        ASSERTm(cases[i].name, strncmp(d.reason, cases[i].reason, strlen(cases[i].reason)) == 0);
        ASSERT_EQm(cases[i].name, cases[i].offset, d.offset);
        ASSERT_EQm(cases[i].name, 0u, n); /* no length on failure */
        ASSERT_EQm(cases[i].name, cases[i].status, encode_to_g_out(cases[i].dir, &m, &n, NULL));
        {
            wps_codec c = wps_codec_make(REL, cases[i].dir);
            ASSERT_EQm(cases[i].name, cases[i].status, wps_encode(&c, &m, g_out, sizeof g_out, NULL, NULL)); /* out_len optional */
        }
    }
    PASS();
}

/* An empty message of a kind with several required fields: encoding names the first of them in
   the kind's wire order, as decoding does. */
TEST encode_names_the_first_missing_required_field(void) {
    static const struct { wps_direction dir; wps_kind kind; const char *reason; } cases[] = {
        {D, WPS_KIND_ACK, "ackId: required field missing"},
        {D, WPS_KIND_STREAM_ACK, "streamId: required field missing"},
        {D, WPS_KIND_STREAM_NACK, "streamId: required field missing"},
        {D, WPS_KIND_GROUP_STATE_SNAPSHOT, "group: required field missing"},
        {D, WPS_KIND_GROUP_STATE_UPDATE, "group: required field missing"},
        {U, WPS_KIND_SEND_EVENT, "event: required field missing"},
    };
    wps_message m;
    wps_diag d;
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        wps_codec c = wps_codec_make(REL, cases[i].dir);
        wps_message_init(&m, cases[i].kind); /* every field absent */
        ASSERT_EQm(cases[i].reason, WPS_ERR_MISSING_FIELD, wps_encode(&c, &m, g_out, sizeof g_out, NULL, &d));
        ASSERT_STR_EQm(cases[i].reason, cases[i].reason, d.reason);
    }
    PASS();
}

/* A stream start without idleTimeoutMs has none on the wire either. */
TEST encode_stream_start_without_idle_timeout(void) {
    wps_message m;
    wps_diag d;
    size_t n = 0;
    wps_message_init(&m, WPS_KIND_SEND_TO_GROUP);
    m.group = wps_slice_from_cstr("g");
    m.stream_id = wps_slice_from_cstr("s");
    m.has = WPS_HAS_STREAM | WPS_HAS_NO_ECHO;
    m.no_echo = true;
    ASSERT_EQ(WPS_OK, encode_to_g_out(U, &m, &n, &d));
    ASSERT_STR_EQ("{\"type\":\"sendToGroup\",\"group\":\"g\",\"noEcho\":true,\"stream\":{\"streamId\":\"s\"}}", g_out);
    PASS();
}

/* max_depth 0 means the default (64); above WPS_MAX_DEPTH_LIMIT it is capped there. JSON data
   sits at depth 1, so n nested arrays need a limit of n + 1. */
TEST encode_json_depth_limit_defaults_and_caps(void) {
    static char data[WPS_MAX_DEPTH_LIMIT * 2 + 2];
    static const struct { uint32_t max_depth; int arrays; wps_status status; } cases[] = {
        {0, WPS_DEFAULT_MAX_DEPTH - 1, WPS_OK},
        {0, WPS_DEFAULT_MAX_DEPTH, WPS_ERR_DEPTH},
        {100000, WPS_MAX_DEPTH_LIMIT - 1, WPS_OK},
        {100000, WPS_MAX_DEPTH_LIMIT, WPS_ERR_DEPTH},
        {3, 2, WPS_OK},
        {3, 3, WPS_ERR_DEPTH},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
        wps_codec c = wps_codec_make(REL, U);
        wps_message m;
        wps_diag d;
        size_t n = 0, k, a = (size_t)cases[i].arrays;
        for (k = 0; k < a; k++) data[k] = '[';
        for (k = 0; k < a; k++) data[a + k] = ']';
        c.max_depth = cases[i].max_depth;
        wps_message_init(&m, WPS_KIND_SEND_EVENT);
        m.event = wps_slice_from_cstr("e");
        m.has = WPS_HAS_DATA;
        m.data = wps_slice_make(data, 2 * a);
        ASSERT_EQm(wps_status_name(cases[i].status), cases[i].status, wps_encode(&c, &m, g_out, sizeof g_out, &n, &d));
        if (cases[i].status != WPS_OK) ASSERT(strncmp(d.reason, "data: nesting too deep", 22) == 0);
    }
    PASS();
}

/* Every capacity short of the frame: WPS_ERR_BUFFER_TOO_SMALL with the exact size, and nothing
   written at or past cap (base64 data, error and stream objects, rendered shapes included). */
TEST encode_every_short_capacity_reports_exact_size(void) {
    static const struct { wps_direction dir; const char *rendered; } cases[] = {
        {U, "{\"kind\":\"sendToGroup\",\"group\":\"g\",\"ackId\":1,\"dataType\":\"binary\",\"data\":{\"$binary\":\"AAECAwQF\"}}"},
        {D, "{\"kind\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"n\",\"message\":\"m\"}}"},
        {D, "{\"kind\":\"groupData\",\"group\":\"g\",\"stream\":{\"streamId\":\"s\",\"streamSequenceId\":2,\"endOfStream\":true,\"error\":{\"name\":\"n\"}}}"},
    };
    static char buf[512];
    size_t i, cap;
    for (i = 0; i < COUNT(cases); i++) {
        wps_codec c = wps_codec_make(REL, cases[i].dir);
        wps_message m;
        wps_diag d;
        size_t full = 0, rfull = 0, n;
        ASSERT_EQ(WPS_OK, wps_message_parse_rendered(&c, cases[i].rendered, strlen(cases[i].rendered), g_scratch, sizeof g_scratch, &m, &d));
        ASSERT_EQ(WPS_OK, wps_encode(&c, &m, buf, sizeof buf, &full, &d));
        ASSERT_EQ(WPS_OK, wps_message_render(&m, buf, sizeof buf, &rfull));
        ASSERT_EQ(strlen(cases[i].rendered), rfull);
        ASSERT_MEM_EQ(cases[i].rendered, buf, rfull);
        for (cap = 0; cap < full; cap++) {
            memset(buf, '#', sizeof buf);
            n = 0;
            ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_encode(&c, &m, buf, cap, &n, &d));
            ASSERT_EQ(full, n);
            ASSERT_EQ(full, d.needed);
            ASSERT_EQ('#', buf[cap]);
        }
        for (cap = 0; cap < rfull; cap++) {
            memset(buf, '#', sizeof buf);
            ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_message_render(&m, buf, cap, &n));
            ASSERT_EQ(rfull, n);
            ASSERT_EQ('#', buf[cap]);
        }
    }
    PASS();
}

/* Binary lengths whose base64 could not fit in size_t (or in what is left of it): the size
   saturates at SIZE_MAX, reported as too small; no data byte is read. */
TEST encode_impossible_binary_lengths_saturate(void) {
    static const size_t lens[] = {SIZE_MAX, (SIZE_MAX - 3) / 4 * 3};
    size_t i;
    for (i = 0; i < COUNT(lens); i++) {
        wps_codec c = wps_codec_make(REL, D);
        wps_message m;
        wps_diag d;
        size_t n = 0;
        char out[64];
        wps_message_init(&m, WPS_KIND_SERVER_DATA);
        m.has = WPS_HAS_DATA;
        m.data_type = WPS_DATA_BINARY;
        m.data = wps_slice_make("x", lens[i]);
        m.sequence_id = 7; /* written after the data: the size stays saturated */
        m.has |= WPS_HAS_SEQUENCE_ID;
        ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_encode(&c, &m, out, sizeof out, &n, &d));
        ASSERT_EQ((size_t)SIZE_MAX, n);
        ASSERT_EQ((size_t)SIZE_MAX, d.needed);
        ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_message_render(&m, out, sizeof out, &n));
        ASSERT_EQ((size_t)SIZE_MAX, n);
    }
    PASS();
}

/* ---------------------------------------------------------------- render edges */

/* Rendering shows what the message holds: it applies no protocol rules (a message lacking a
   required field renders without it) but still refuses invalid UTF-8 and unknown kinds. */
TEST render_shows_fields_present_without_rules(void) {
    wps_message m;
    size_t n = 5;
    wps_message_init(&m, WPS_KIND_STREAM_ACK);
    m.stream_id = wps_slice_from_cstr("s");
    ASSERT_EQ(WPS_OK, wps_message_render(&m, g_out, sizeof g_out - 1, &n));
    g_out[n] = 0;
    ASSERT_STR_EQ("{\"kind\":\"streamAck\",\"streamId\":\"s\"}", g_out);
    wps_message_init(&m, WPS_KIND_GROUP_STATE_UPDATE);
    m.group = wps_slice_from_cstr("g");
    ASSERT_EQ(WPS_OK, wps_message_render(&m, g_out, sizeof g_out - 1, &n));
    g_out[n] = 0;
    ASSERT_STR_EQ("{\"kind\":\"groupStateUpdate\",\"group\":\"g\"}", g_out);
    ASSERT_EQ(WPS_OK, wps_message_render(&m, g_out, sizeof g_out, NULL)); /* out_len optional */
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_message_render(&m, NULL, 0, &n)); /* measure */
    ASSERT_EQ(strlen("{\"kind\":\"groupStateUpdate\",\"group\":\"g\"}"), n);
    m.group = wps_slice_make("\xc0\x80", 2);
    ASSERT_EQ(WPS_ERR_UTF8, wps_message_render(&m, g_out, sizeof g_out, &n));
    ASSERT_EQ(0u, n);
    m.kind = WPS_KIND_NONE;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_message_render(&m, g_out, sizeof g_out, &n));
    m.kind = WPS_KIND_COUNT_;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_message_render(&m, g_out, sizeof g_out, &n));
    PASS();
}

/* Without a diag (or with an empty reason) the result names the status and its wps_strerror. */
TEST render_result_without_details(void) {
    static const struct { wps_status status; int with_diag; const char *expect; } cases[] = {
        {WPS_IGNORED, 0, "{\"$ignored\":\"ignored\"}"},
        {WPS_ERR_SYNTAX, 0, "{\"$error\":\"WPS_ERR_SYNTAX: JSON syntax error\"}"},
        {WPS_ERR_BASE64, 1, "{\"$error\":\"WPS_ERR_BASE64: invalid base64\"}"},
    };
    size_t i, n = 0;
    wps_diag d;
    memset(&d, 0, sizeof d);
    for (i = 0; i < COUNT(cases); i++) {
        size_t len = strlen(cases[i].expect);
        const wps_diag *dp = cases[i].with_diag ? &d : NULL;
        ASSERT_EQ(WPS_OK, wps_render_result(cases[i].status, NULL, dp, g_out, sizeof g_out - 1, &n));
        g_out[n] = 0;
        ASSERT_STR_EQ(cases[i].expect, g_out);
        ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_render_result(cases[i].status, NULL, dp, NULL, 0, &n)); /* measure */
        ASSERT_EQ(len, n);
        ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_render_result(cases[i].status, NULL, dp, g_out, len - 1, NULL));
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_render_result(cases[i].status, NULL, dp, NULL, 4, &n));
    }
    PASS();
}

SUITE(codec) {
    RUN_TEST(decode_every_kind);
    RUN_TEST(decode_table_covers_every_kind);
    RUN_TEST(round_trip_every_kind);
    RUN_TEST(encode_exact_wire);
    RUN_TEST(encode_empty_json_data_is_refused);
    RUN_TEST(every_plain_field_lands_in_its_member);
    RUN_TEST(errors_have_status_and_reason);
    RUN_TEST(errors_same_status_without_diag);
    RUN_TEST(ignored_is_distinct_and_explained);
    RUN_TEST(sequence_id_only_sent_on_reliable);
    RUN_TEST(parse_rendered_rules);
    RUN_TEST(encode_json_data_errors_same_status_without_diag);
    RUN_TEST(parse_rendered_binary_errors_same_status_without_diag);
    RUN_TEST(depth_limit_is_configurable);
    RUN_TEST(deep_nesting_at_hard_limit_no_crash);
    RUN_TEST(zero_copy_slices_point_into_frame);
    RUN_TEST(scratch_too_small_reports_exact_need);
    RUN_TEST(encode_too_small_reports_exact_size_and_nothing_partial);
    RUN_TEST(encode_validates_message);
    RUN_TEST(sequence_ack_rejected_on_plain_protocol_decode);
    RUN_TEST(protobuf_protocols_report_unsupported);
    RUN_TEST(binary_frames_carry_json_too);
    RUN_TEST(status_names_and_strerror);
    RUN_TEST(protocol_and_kind_names);
    RUN_TEST(base64_vectors);
    RUN_TEST(base64_round_trip_every_length);
    RUN_TEST(base64_every_byte_at_every_position);
    RUN_TEST(null_arguments_are_rejected);
    RUN_TEST(render_result_shapes);
    RUN_TEST(render_escapes_control_chars_in_text);
    RUN_TEST(large_payload_round_trip);
    RUN_TEST(protocol_kind_and_data_type_queries_at_the_edges);
    RUN_TEST(base64_final_quad_errors_name_the_bad_character);
    RUN_TEST(base64_decode_measures_and_checks_arguments);
    RUN_TEST(base64_encode_measures_without_writing);
    RUN_TEST(decode_refuses_frames_longer_than_size_max_16);
    RUN_TEST(decode_protobuf_without_message_reports_unsupported);
    RUN_TEST(decode_empty_binary_needs_no_scratch);
    RUN_TEST(decode_escaped_base64_without_scratch_reports_need);
    RUN_TEST(deep_json_data_beyond_fast_path_stack);
    RUN_TEST(decode_in_place_matches_decode_for_every_table_frame);
    RUN_TEST(decode_in_place_writes_over_the_frame);
    RUN_TEST(decode_in_place_base64_errors);
    RUN_TEST(decode_in_place_null_frame);
    RUN_TEST(parse_rendered_kind_and_codec_edges);
    RUN_TEST(parse_rendered_without_codec_uses_default_depth);
    RUN_TEST(encode_minifies_every_json_whitespace);
    RUN_TEST(encode_absent_bytes_as_empty_data);
    RUN_TEST(encode_refuses_broken_messages);
    RUN_TEST(encode_names_the_first_missing_required_field);
    RUN_TEST(encode_stream_start_without_idle_timeout);
    RUN_TEST(encode_json_depth_limit_defaults_and_caps);
    RUN_TEST(encode_every_short_capacity_reports_exact_size);
    RUN_TEST(encode_impossible_binary_lengths_saturate);
    RUN_TEST(render_shows_fields_present_without_rules);
    RUN_TEST(render_result_without_details);
}
