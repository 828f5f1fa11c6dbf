/* build/no-reasons: WPS_NO_REASONS against the default build, side by side. This file holds a
   private copy of wps.h with its sentences (WPS_STATIC); tests/no_reasons.c one without. The
   same frames and messages go through both: the status, offset, needed size and message must
   be the same, and the reason without sentences must be exactly what remains of the full one
   once its sentence is taken out: "key at byte N", "at byte N", "key" or "" (an IGNORED reason,
   computed from the input, is kept whole). */
#define WPS_STATIC
#define WPS_IMPLEMENTATION
#include "../wps.h"
#include "harness.h"
#include "no_reasons.h"

#include <stdio.h>

/* Checks the reason `nr` of the build without sentences against `full`, for a failure. */
static int reason_is_full_without_sentence(const char *full, const char *nr) {
    const char *at = NULL, *p;
    char key[WPS_REASON_SIZE];
    size_t klen;
    for (p = strstr(full, "at byte "); p; p = strstr(p + 1, "at byte ")) at = p; /* the last one */
    if (at && (at != full && at[-1] != ' ')) at = NULL;
    /* nr: [key][" "]["at byte N"] */
    p = strstr(nr, "at byte ");
    klen = p ? (size_t)(p - nr) : strlen(nr);
    if (p && klen) {
        if (nr[klen - 1] != ' ') return 0;
        klen--;
    }
    if (klen >= sizeof key) return 0;
    memcpy(key, nr, klen);
    key[klen] = 0;
    if (!p != !at) return 0;                      /* the offset kept when there was one */
    if (p && strcmp(p, at) != 0) return 0;        /* ... and the same */
    if (klen && (strncmp(full, key, klen) != 0 || strncmp(full + klen, ": ", 2) != 0)) return 0; /* the key kept */
    if (!klen && strstr(full, ": ")) return 0; /* (no sentence of the codec has ": " in it) */
    return strlen(full) > strlen(nr);             /* and a sentence dropped */
}

typedef struct {
    const char *name;
    wps_direction dir;
    const char *frame;
    size_t scratch_cap;
} frame_case;

#define D WPS_DOWNSTREAM
#define U WPS_UPSTREAM
static const frame_case frames[] = {
    {"valid_group_message", D, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"hi\",\"sequenceId\":3}", 64},
    {"valid_ack", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"Forbidden\",\"message\":\"no\"}}", 64},
    {"valid_join", U, "{\"type\":\"joinGroup\",\"group\":\"g\",\"ackId\":1}", 0},
    {"empty", D, "", 0},
    {"not_an_object", D, "[1,2]", 0},
    {"syntax", D, "{\"type\" \"ack\"}", 0},
    {"unterminated", D, "{\"type\":\"ack\"", 0},
    {"trailing", D, "{\"type\":\"pong\"} x", 0},
    {"bad_escape", D, "{\"type\":\"a\\qb\"}", 0},
    {"lone_surrogate", D, "{\"type\":\"\\udc00\"}", 0},
    {"control_char", D, "{\"type\":\"a\x01\"}", 0},
    {"bad_utf8", D, "{\"type\":\"\xc3\x28\"}", 0},
    {"leading_zero", D, "{\"type\":\"ack\",\"ackId\":01,\"success\":true}", 0},
    {"negative_ack_id", D, "{\"type\":\"ack\",\"ackId\":-1,\"success\":true}", 0},
    {"fraction_ack_id", D, "{\"type\":\"ack\",\"ackId\":1.5,\"success\":true}", 0},
    {"huge_ack_id", D, "{\"type\":\"ack\",\"ackId\":18446744073709551616,\"success\":true}", 0},
    {"duplicate_key", D, "{\"type\":\"ack\",\"type\":\"ack\"}", 0},
    {"missing_type", D, "{\"ackId\":1}", 0},
    {"missing_ack_id", D, "{\"type\":\"ack\",\"success\":true}", 0},
    {"type_mismatch", D, "{\"type\":\"ack\",\"ackId\":\"1\",\"success\":true}", 0},
    {"bool_mismatch", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":1}", 0},
    {"error_not_object", D, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":3}", 0},
    {"bad_base64", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"A*==\"}", 64},
    {"base64_length", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"AAA\"}", 64},
    {"text_not_string", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":5}", 64},
    {"data_type_without_data", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\"}", 64},
    {"scratch_too_small", D, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"AAAAAAAA\"}", 2},
    {"too_deep", D, "{\"type\":\"pong\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0},
    {"stream_start_with_data", U, "{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"text\",\"data\":\"x\",\"stream\":{\"streamId\":\"s\"}}", 64},
    {"stream_end_error_name", U, "{\"type\":\"streamEnd\",\"streamId\":\"s\",\"error\":{\"name\":\"n\"}}", 64},
    {"unknown_type_is_ignored", D, "{\"type\":\"brandNew\"}", 0},
    {"unknown_event_is_ignored", D, "{\"type\":\"system\",\"event\":\"later\"}", 0},
    {"upstream_type_downstream", D, "{\"type\":\"joinGroup\",\"group\":\"g\"}", 0},
};

TEST decode_failures_lose_only_their_sentences(void) {
    size_t i;
    for (i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        const frame_case *f = &frames[i];
        static char scratch[4096];
        wps_codec c = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, f->dir);
        wps_message full_m, nr_m;
        wps_diag full_d, nr_d;
        size_t len = strlen(f->frame);
        wps_status full = wps_decode(&c, f->frame, len, f->scratch_cap ? scratch : NULL, f->scratch_cap, &full_m, &full_d);
        wps_status nr = nr_decode(f->dir, f->frame, len, f->scratch_cap, &nr_m, &nr_d);
        int ok = full == nr && full_d.status == nr_d.status && full_d.offset == nr_d.offset && full_d.needed == nr_d.needed &&
                 full_m.kind == nr_m.kind && full_m.has == nr_m.has;
        if (full == WPS_OK) ok = ok && !full_d.reason[0] && !nr_d.reason[0];
        else if (full == WPS_IGNORED) ok = ok && strcmp(full_d.reason, nr_d.reason) == 0 && full_d.reason[0];
        else ok = ok && reason_is_full_without_sentence(full_d.reason, nr_d.reason);
        if (!ok) {
            printf("\n  case %s: %s '%s' / without sentences: %s '%s'\n", f->name, wps_status_name(full), full_d.reason,
                   wps_status_name(nr), nr_d.reason);
            FAILm(f->name);
        }
    }
    PASS();
}

/* The checker itself: it must refuse a reason that kept its sentence or lost its key or offset. */
TEST the_reason_check_can_fail(void) {
    ASSERT(reason_is_full_without_sentence("ackId: negative number at byte 22", "ackId at byte 22"));
    ASSERT(reason_is_full_without_sentence("unterminated string at byte 9", "at byte 9"));
    ASSERT(reason_is_full_without_sentence("data: dataType given without data", "data"));
    ASSERT(reason_is_full_without_sentence("NULL pointer argument", ""));
    ASSERT_FALSE(reason_is_full_without_sentence("ackId: negative number at byte 22", "ackId: negative number at byte 22"));
    ASSERT_FALSE(reason_is_full_without_sentence("ackId: negative number at byte 22", "at byte 22"));
    ASSERT_FALSE(reason_is_full_without_sentence("ackId: negative number at byte 22", "ackId"));
    ASSERT_FALSE(reason_is_full_without_sentence("ackId: negative number at byte 22", "ackId at byte 21"));
    ASSERT_FALSE(reason_is_full_without_sentence("unterminated string", "at byte 9"));
    PASS();
}

TEST encode_failures_lose_only_their_sentences(void) {
    static const char bad_utf8[] = "g\xff";
    struct {
        const char *name;
        wps_protocol protocol;
        wps_kind kind;
        const char *group;
        size_t group_len;
        wps_data_type dt;
        const char *data;
        uint32_t has;
        size_t cap;
    } cases[] = {
        {"valid", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_SEND_TO_GROUP, "g", 1, WPS_DATA_TEXT, "x", WPS_HAS_DATA, 256},
        {"missing_group", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_JOIN_GROUP, NULL, 0, WPS_DATA_JSON, NULL, 0, 256},
        {"bad_utf8_group", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_JOIN_GROUP, bad_utf8, 2, WPS_DATA_JSON, NULL, 0, 256},
        {"bad_json_data", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_SEND_TO_GROUP, "g", 1, WPS_DATA_JSON, "{\"a\":", WPS_HAS_DATA, 256},
        {"trailing_json_data", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_SEND_TO_GROUP, "g", 1, WPS_DATA_JSON, "1 2", WPS_HAS_DATA, 256},
        {"missing_data", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_SEND_TO_GROUP, "g", 1, WPS_DATA_JSON, NULL, 0, 256},
        {"sequence_ack_unreliable", WPS_PROTOCOL_JSON, WPS_KIND_SEQUENCE_ACK, NULL, 0, WPS_DATA_JSON, NULL, WPS_HAS_SEQUENCE_ID, 256},
        {"wrong_direction", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_PONG, NULL, 0, WPS_DATA_JSON, NULL, 0, 256},
        {"too_small", WPS_PROTOCOL_JSON_RELIABLE, WPS_KIND_SEND_TO_GROUP, "g", 1, WPS_DATA_TEXT, "xyz", WPS_HAS_DATA, 8},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static char out1[256], out2[256];
        wps_codec up = wps_codec_make(cases[i].protocol, WPS_UPSTREAM);
        wps_message m;
        wps_diag full_d, nr_d;
        size_t n1 = 0, n2 = 0;
        wps_status full, nr;
        int ok;
        wps_message_init(&m, cases[i].kind);
        if (cases[i].group) m.group = wps_slice_make(cases[i].group, cases[i].group_len);
        m.data_type = cases[i].dt;
        if (cases[i].data) m.data = wps_slice_from_cstr(cases[i].data);
        m.has = cases[i].has;
        m.sequence_id = 1;
        full = wps_encode(&up, &m, out1, cases[i].cap, &n1, &full_d);
        nr = nr_encode(cases[i].protocol, &m, out2, cases[i].cap, &n2, &nr_d);
        ok = full == nr && n1 == n2 && full_d.offset == nr_d.offset && full_d.needed == nr_d.needed;
        if (full == WPS_OK) ok = ok && memcmp(out1, out2, n1) == 0 && !nr_d.reason[0];
        else ok = ok && reason_is_full_without_sentence(full_d.reason, nr_d.reason);
        if (!ok) {
            printf("\n  case %s: %s '%s' / without sentences: %s '%s'\n", cases[i].name, wps_status_name(full), full_d.reason,
                   wps_status_name(nr), nr_d.reason);
            FAILm(cases[i].name);
        }
    }
    PASS();
}

SUITE(no_reasons_codec) {
    RUN_TEST(the_reason_check_can_fail);
    RUN_TEST(decode_failures_lose_only_their_sentences);
    RUN_TEST(encode_failures_lose_only_their_sentences);
}

GREATEST_MAIN_DEFS()

int main(int argc, char **argv) {
    GREATEST_MAIN_BEGIN();
    RUN_SUITE(no_reasons_codec);
    RUN_SUITE(no_reasons_client);
    GREATEST_MAIN_END();
}
