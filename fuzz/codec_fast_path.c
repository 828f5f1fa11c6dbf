/* libFuzzer target: the decode fast path against the general decoder. wps_decode tries the fast
   path first; wps__decode is the general decoder alone. On every input, under both JSON
   subprotocols, at the full scratch size and at a scratch size taken from the input, both must
   give the same status, diagnosis and message. */
#include "fuzz_common.h"


static void same_message(const wps_message *a, const wps_message *b) {
    check(a->kind == b->kind && a->has == b->has && a->ack_id == b->ack_id && a->sequence_id == b->sequence_id);
    check(a->stream_sequence_id == b->stream_sequence_id && a->expected_sequence_id == b->expected_sequence_id);
    check(a->idle_timeout_ms == b->idle_timeout_ms && a->success == b->success && a->no_echo == b->no_echo);
    check(a->end_of_stream == b->end_of_stream && a->data_type == b->data_type && fuzz_slice_same(a->data, b->data));
    check(fuzz_slice_same(a->group, b->group) && fuzz_slice_same(a->event, b->event) && fuzz_slice_same(a->from_user_id, b->from_user_id));
    check(fuzz_slice_same(a->connection_id, b->connection_id) && fuzz_slice_same(a->user_id, b->user_id));
    check(fuzz_slice_same(a->reconnection_token, b->reconnection_token) && fuzz_slice_same(a->message, b->message));
    check(fuzz_slice_same(a->invocation_id, b->invocation_id) && fuzz_slice_same(a->target, b->target));
    check(fuzz_slice_same(a->stream_id, b->stream_id) && fuzz_slice_same(a->state, b->state) && fuzz_slice_same(a->items, b->items));
    check(fuzz_slice_same(a->error.name, b->error.name) && fuzz_slice_same(a->error.message, b->error.message));
    check(fuzz_slice_same(a->error.user_error_code, b->error.user_error_code));
}

static void one(const uint8_t *data, size_t size, wps_protocol proto, size_t cap, uint32_t depth) {
    wps_codec codec = wps_codec_make(proto, WPS_DOWNSTREAM);
    wps_message a, b;
    wps_diag da, db;
    char *sa = (char *)malloc(cap + 1), *sb = (char *)malloc(cap + 1);
    wps_status ra, rb;
    codec.max_depth = depth;
    ra = wps_decode(&codec, data, size, sa, cap, &a, &da);
    rb = wps__decode(&codec, data, size, sb, cap, &b, &db);
    check(ra == rb);
    check(da.status == db.status && da.offset == db.offset && da.needed == db.needed && strcmp(da.reason, db.reason) == 0);
    if (ra == WPS_OK) same_message(&a, &b);
    free(sa);
    free(sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t small = size ? data[size - 1] % 24u : 0;
    one(data, size, WPS_PROTOCOL_JSON_RELIABLE, size, WPS_DEFAULT_MAX_DEPTH);
    one(data, size, WPS_PROTOCOL_JSON, small, size ? 2u + data[0] % 3u : 2u);
    return 0;
}
