/* Quick start: decode a frame from the service, encode one to send. Built and run by `make test`;
   README.md shows the decoding part of it. */
#define WPS_IMPLEMENTATION
#include "../wps.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    /* --- decoding: a frame as received from the WebSocket (text or binary) */
    const char *frame = "{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"fromUserId\":\"alice\","
                        "\"dataType\":\"text\",\"data\":\"h\\u00e9llo\",\"sequenceId\":42}";
    wps_codec down = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM);
    wps_message msg;
    wps_diag diag;
    char scratch[256]; /* unescaped text and decoded base64 land here */
    char out[256];
    size_t n;
    wps_status st = wps_decode(&down, frame, strlen(frame), scratch, sizeof scratch, &msg, &diag);
    if (st == WPS_IGNORED) return 0; /* a message kind newer than this library: skip it */
    if (st != WPS_OK) {
        fprintf(stderr, "%s: %s\n", wps_status_name(st), diag.reason);
        return 1;
    }
    if (msg.kind == WPS_KIND_GROUP_DATA && msg.data_type == WPS_DATA_TEXT)
        printf("%.*s in %.*s says %.*s (sequenceId %llu)\n", (int)msg.from_user_id.len, msg.from_user_id.ptr,
               (int)msg.group.len, msg.group.ptr, (int)msg.data.len, msg.data.ptr, (unsigned long long)msg.sequence_id);

    /* --- encoding: join a group, asking for an ack */
    {
        wps_codec up = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
        wps_message join;
        wps_message_init(&join, WPS_KIND_JOIN_GROUP);
        join.group = wps_slice_from_cstr("lobby");
        join.ack_id = 1;
        join.has |= WPS_HAS_ACK_ID;
        st = wps_encode(&up, &join, out, sizeof out, &n, &diag); /* n = exact size, even when too small */
        if (st != WPS_OK) {
            fprintf(stderr, "%s: %s\n", wps_status_name(st), diag.reason);
            return 1;
        }
        printf("send as a text frame: %.*s\n", (int)n, out); /* {"type":"joinGroup","group":"lobby","ackId":1} */
    }
    return 0;
}
