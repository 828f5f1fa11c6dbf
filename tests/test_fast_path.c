/* The decode fast path (wps.h "decode fast path") against the general decoder it stands in for.
   This unit compiles its own private copy of the implementation (WPS_STATIC) so that it can call
   both: wps_decode (fast path first) and wps__decode (the general decoder alone). For every frame
   the two must give the same status, diagnosis and message; the table also pins which frames the
   fast path takes and which it hands back (WPS__BAIL). */
#define WPS_STATIC
#define WPS_IMPLEMENTATION
#include "../wps.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WPS__SMALL
/* The size build (WPS_SMALL, -Os) has no fast path: wps_decode is the general decoder. */
SUITE(fast_path) {}
#else

static char fp_scratch_a[1 << 16], fp_scratch_b[1 << 16];
static char fp_render_a[1 << 17], fp_render_b[1 << 17];

static int slice_same(wps_slice a, wps_slice b) {
    if (!a.ptr || !b.ptr) return !a.ptr && !b.ptr && a.len == b.len;
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Field-by-field equality of two decoded messages (slices by content). */
static int message_same(const wps_message *a, const wps_message *b) {
    return a->kind == b->kind && a->has == b->has && a->ack_id == b->ack_id && a->sequence_id == b->sequence_id &&
           a->stream_sequence_id == b->stream_sequence_id && a->expected_sequence_id == b->expected_sequence_id &&
           a->idle_timeout_ms == b->idle_timeout_ms && a->success == b->success && a->no_echo == b->no_echo &&
           a->end_of_stream == b->end_of_stream && a->data_type == b->data_type && slice_same(a->data, b->data) &&
           slice_same(a->group, b->group) && slice_same(a->event, b->event) && slice_same(a->from_user_id, b->from_user_id) &&
           slice_same(a->connection_id, b->connection_id) && slice_same(a->user_id, b->user_id) &&
           slice_same(a->reconnection_token, b->reconnection_token) && slice_same(a->message, b->message) &&
           slice_same(a->invocation_id, b->invocation_id) && slice_same(a->target, b->target) &&
           slice_same(a->stream_id, b->stream_id) && slice_same(a->state, b->state) && slice_same(a->items, b->items) &&
           slice_same(a->error.name, b->error.name) && slice_same(a->error.message, b->error.message) &&
           slice_same(a->error.user_error_code, b->error.user_error_code);
}

/* Decodes with both paths; 1 when they agree. *fast_took says whether the fast path answered. */
static int paths_agree(wps_protocol proto, const char *frame, size_t len, size_t cap, int *fast_took) {
    wps_codec c = wps_codec_make(proto, WPS_DOWNSTREAM);
    wps_message a, b, f;
    wps_diag da, db;
    wps_status sa = wps_decode(&c, frame, len, fp_scratch_a, cap, &a, &da);
    wps_status sb = wps__decode(&c, frame, len, fp_scratch_b, cap, &b, &db);
    size_t na = 0, nb = 0;
    if (fast_took) *fast_took = len >= 2 && wps__fast_decode(frame, len, fp_scratch_a, cap, c.max_depth, &f) == WPS_OK;
    if (sa != sb || da.status != db.status || da.offset != db.offset || da.needed != db.needed || strcmp(da.reason, db.reason) != 0)
        return 0;
    if (wps_render_result(sa, &a, &da, fp_render_a, sizeof fp_render_a, &na) != WPS_OK ||
        wps_render_result(sb, &b, &db, fp_render_b, sizeof fp_render_b, &nb) != WPS_OK)
        return 0;
    return na == nb && memcmp(fp_render_a, fp_render_b, na) == 0 && (sa != WPS_OK || message_same(&a, &b));
}

typedef struct fast_case {
    const char *name;
    int fast; /* 1: the fast path decodes it; 0: it hands the frame to the general decoder */
    const char *frame;
} fast_case;

static const fast_case fast_cases[] = {
    /* taken: the hot downstream kinds in compact and spaced JSON */
    {"ack success", 1, "{\"type\":\"ack\",\"ackId\":1,\"success\":true}"},
    {"ack Duplicate error", 1, "{\"type\":\"ack\",\"ackId\":42,\"success\":false,\"error\":{\"name\":\"Duplicate\",\"message\":\"dup\"}}"},
    {"ack error with userErrorCode (dropped, like the general path)", 1,
     "{\"type\":\"ack\",\"ackId\":2,\"success\":false,\"error\":{\"name\":\"E\",\"userErrorCode\":\"c\\u0041\"}}"},
    {"ack error with an unknown member", 1, "{\"type\":\"ack\",\"ackId\":2,\"success\":false,\"error\":{\"x\":[1,{\"y\":null}],\"name\":\"E\"}}"},
    {"ack largest 19-digit id", 1, "{\"type\":\"ack\",\"ackId\":9999999999999999999,\"success\":true}"},
    {"group message json data", 1,
     "{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"fromUserId\":\"u\",\"dataType\":\"json\",\"data\":{\"x\":[1,2.5,-3e2,true,false,null,\"s\"],\"y\":{}},\"sequenceId\":7}"},
    {"group message text data with escapes", 1,
     "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\\u00e9\",\"dataType\":\"Text\",\"data\":\"a\\\"b\\n\\ud83d\\ude00\"}"},
    {"group message binary data", 1, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"BINARY\",\"data\":\"AAEC/w==\"}"},
    {"server message protobuf data", 1, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"protobuf\",\"data\":\"AA==\",\"sequenceId\":0}"},
    {"server message json string data, dataType absent", 1, "{\"type\":\"message\",\"from\":\"server\",\"data\":\"hi\"}"},
    {"server message json number data", 1, "{\"type\":\"message\",\"from\":\"server\",\"data\":12}"},
    {"server message json array data", 1, "{\"type\":\"message\",\"from\":\"server\",\"data\":[]}"},
    {"server message json literal data", 1, "{\"type\":\"message\",\"from\":\"server\",\"data\":false}"},
    {"system connected", 1,
     "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"c\",\"reconnectionToken\":\"t\"}"},
    {"system disconnected", 1, "{\"type\":\"system\",\"event\":\"disconnected\",\"message\":\"bye\"}"},
    {"pong", 1, "{\"type\":\"pong\"}"},
    {"whitespace everywhere", 1, "{\t\"type\" : \"ack\" ,\n\"ackId\" :\r 3 , \"success\" : true }\n"},
    {"unknown keys of every JSON type", 1, "{\"type\":\"pong\",\"a\":\"s\",\"b\":-1.5e3,\"c\":[{}],\"d\":{\"e\":[]},\"f\":null,\"g\":true}"},
    {"group message with non-ASCII text", 1, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"h\xc3\xa9\",\"dataType\":\"text\",\"data\":\"\xe2\x82\xac\"}"},
    /* handed back: everything else, and every error */
    {"leading whitespace", 0, " \n{\"type\":\"pong\"}"},
    {"other kind", 0, "{\"type\":\"streamAck\",\"streamId\":\"s\",\"expectedSequenceId\":1}"},
    {"unknown type (ignored)", 0, "{\"type\":\"future\"}"},
    {"unknown from (ignored)", 0, "{\"type\":\"message\",\"from\":\"elsewhere\",\"data\":1}"},
    {"unknown event (ignored)", 0, "{\"type\":\"system\",\"event\":\"x\"}"},
    {"unknown dataType (ignored)", 0, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"xml\",\"data\":\"<a/>\"}"},
    {"escaped key", 0, "{\"\\u0074ype\":\"pong\"}"},
    {"escaped type", 0, "{\"type\":\"p\\u006fng\"}"},
    {"null value", 0, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"fromUserId\":null,\"data\":1}"},
    {"20-digit ackId", 0, "{\"type\":\"ack\",\"ackId\":18446744073709551615,\"success\":true}"},
    {"overflowing ackId", 0, "{\"type\":\"ack\",\"ackId\":18446744073709551616,\"success\":true}"},
    {"negative ackId", 0, "{\"type\":\"ack\",\"ackId\":-1,\"success\":true}"},
    {"fractional sequenceId", 0, "{\"type\":\"message\",\"from\":\"server\",\"data\":1,\"sequenceId\":1.0}"},
    {"leading zero", 0, "{\"type\":\"ack\",\"ackId\":01,\"success\":true}"},
    {"stream info", 0, "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"data\":1,\"stream\":{\"streamId\":\"s\",\"streamSequenceId\":1}}"},
    {"missing required success", 0, "{\"type\":\"ack\",\"ackId\":1}"},
    {"missing group", 0, "{\"type\":\"message\",\"from\":\"group\",\"data\":1}"},
    {"missing data", 0, "{\"type\":\"message\",\"from\":\"server\"}"},
    {"dataType without data", 0, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\"}"},
    {"type mismatch", 0, "{\"type\":\"ack\",\"ackId\":\"1\",\"success\":true}"},
    {"text data not a string", 0, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"text\",\"data\":1}"},
    {"bad base64", 0, "{\"type\":\"message\",\"from\":\"server\",\"dataType\":\"binary\",\"data\":\"A===\"}"},
    {"duplicate key", 0, "{\"type\":\"pong\",\"type\":\"pong\"}"},
    {"duplicate error member", 0, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":{\"name\":\"a\",\"name\":\"b\"}}"},
    {"error not an object", 0, "{\"type\":\"ack\",\"ackId\":1,\"success\":false,\"error\":[]}"},
    {"trailing garbage", 0, "{\"type\":\"pong\"}x"},
    {"trailing control character", 0, "{\"type\":\"pong\"}\x01"},
    {"second object", 0, "{\"type\":\"pong\"}{}"},
    {"unterminated", 0, "{\"type\":\"pong\""},
    {"nested data closes the frame", 0, "{\"type\":\"message\",\"from\":\"server\",\"data\":{\"a\":1}"},
    {"unbalanced brackets", 0, "{\"type\":\"message\",\"from\":\"server\",\"data\":[1}}"},
    {"bad literal at the end", 0, "{\"type\":\"ack\",\"ackId\":1,\"success\":tru}"},
    {"raw control character", 0, "{\"type\":\"message\",\"from\":\"server\",\"data\":\"a\x01\"}"},
    {"invalid UTF-8", 0, "{\"type\":\"message\",\"from\":\"server\",\"data\":\"\xc3\"}"},
    {"empty object", 0, "{}"},
    {"key table member the fast path leaves alone", 0, "{\"type\":\"pong\",\"kind\":\"x\"}"},
};

TEST fast_path_takes_hot_kinds_and_agrees_with_general_decoder(void) {
    size_t i;
    for (i = 0; i < sizeof fast_cases / sizeof fast_cases[0]; i++) {
        const fast_case *c = &fast_cases[i];
        int took = 0;
        if (!paths_agree(WPS_PROTOCOL_JSON_RELIABLE, c->frame, strlen(c->frame), sizeof fp_scratch_a, &took)) {
            fprintf(stderr, "    %s: paths disagree\n      fast    %s\n      general %s\n", c->name, fp_render_a, fp_render_b);
            FAILm(c->name);
        }
        if (took != c->fast) {
            fprintf(stderr, "    %s: fast path %s\n", c->name, took ? "took it" : "handed it back");
            FAILm(c->name);
        }
        ASSERTm(c->name, paths_agree(WPS_PROTOCOL_JSON, c->frame, strlen(c->frame), sizeof fp_scratch_a, NULL));
    }
    PASS();
}

TEST fast_path_agrees_at_every_scratch_size(void) {
    size_t i, cap;
    for (i = 0; i < sizeof fast_cases / sizeof fast_cases[0]; i++) {
        const fast_case *c = &fast_cases[i];
        for (cap = 0; cap <= 16; cap++) ASSERTm(c->name, paths_agree(WPS_PROTOCOL_JSON_RELIABLE, c->frame, strlen(c->frame), cap, NULL));
    }
    PASS();
}

TEST fast_path_agrees_at_every_prefix_and_depth_limit(void) {
    size_t i, n;
    uint32_t depth;
    for (i = 0; i < sizeof fast_cases / sizeof fast_cases[0]; i++) {
        const fast_case *c = &fast_cases[i];
        size_t len = strlen(c->frame);
        for (n = 0; n <= len; n++) ASSERTm(c->name, paths_agree(WPS_PROTOCOL_JSON_RELIABLE, c->frame, n, sizeof fp_scratch_a, NULL));
        for (depth = 1; depth <= 4; depth++) {
            wps_codec codec = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM);
            wps_message a, b;
            codec.max_depth = depth;
            ASSERT_EQm(c->name, wps__decode(&codec, c->frame, len, fp_scratch_b, sizeof fp_scratch_b, &b, NULL),
                       wps_decode(&codec, c->frame, len, fp_scratch_a, sizeof fp_scratch_a, &a, NULL));
        }
    }
    PASS();
}

/* Every downstream frame of the differential corpus (tests/diff/corpus/down.txt) through both. */
TEST fast_path_agrees_on_the_differential_corpus(void) {
    FILE *f = fopen("tests/diff/corpus/down.txt", "rb");
    static char line[1 << 17];
    static unsigned char frame[1 << 17];
    size_t count = 0, taken = 0;
    ASSERTm("tests/diff/corpus/down.txt (run from the repository root)", f != NULL);
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line), len = 0;
        int took = 0;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n < 2) continue;
        if (line[0] == 'T') {
            len = n - 2;
            memcpy(frame, line + 2, len);
        } else if (line[0] == 'B') {
            if (wps_base64_decode(line + 2, n - 2, frame, sizeof frame, &len, NULL) != WPS_OK) continue;
        } else {
            continue;
        }
        count++;
        if (!paths_agree(WPS_PROTOCOL_JSON_RELIABLE, (const char *)frame, len, sizeof fp_scratch_a, &took)) {
            fclose(f);
            fprintf(stderr, "    corpus line: %s\n", line);
            FAILm("paths disagree");
        }
        taken += (size_t)took;
        if (!paths_agree(WPS_PROTOCOL_JSON, (const char *)frame, len, 3, NULL)) {
            fclose(f);
            fprintf(stderr, "    corpus line: %s\n", line);
            FAILm("paths disagree (3-byte scratch)");
        }
    }
    fclose(f);
    ASSERT(count >= 200);
    ASSERT(taken >= 50); /* the corpus exercises the fast path, not only the fallback */
    PASS();
}

SUITE(fast_path) {
    RUN_TEST(fast_path_takes_hot_kinds_and_agrees_with_general_decoder);
    RUN_TEST(fast_path_agrees_at_every_scratch_size);
    RUN_TEST(fast_path_agrees_at_every_prefix_and_depth_limit);
    RUN_TEST(fast_path_agrees_on_the_differential_corpus);
}
#endif /* WPS__SMALL */
