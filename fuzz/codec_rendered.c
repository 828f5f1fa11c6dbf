/* libFuzzer target: wps_message_parse_rendered (the input of `wps encode`) on arbitrary bytes.
   Every accepted message either fails to encode with an error status or encodes, and the frame
   decodes back to a message that renders identically. */
#include "fuzz_common.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wps_codec codec = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
    wps_message m, m2;
    wps_diag diag;
    char *scratch = (char *)malloc(size + 1), *frame, *scratch2, *r1, *r2;
    size_t n = 0, n1 = 0, n2 = 0;
    wps_status st = wps_message_parse_rendered(&codec, (const char *)data, size, scratch, size, &m, &diag);
    if (st != WPS_OK) {
        free(scratch);
        return 0;
    }
    if (!wps_kind_allows_direction(m.kind, WPS_UPSTREAM)) codec.direction = WPS_DOWNSTREAM;
    st = wps_encode(&codec, &m, NULL, 0, &n, &diag);
    if (st != WPS_ERR_BUFFER_TOO_SMALL) {
        check(st < 0 && diag.reason[0]);
        free(scratch);
        return 0;
    }
    frame = (char *)malloc(n);
    check(wps_encode(&codec, &m, frame, n, &n, &diag) == WPS_OK);
    scratch2 = (char *)malloc(n + 1);
    check(wps_decode(&codec, frame, n, scratch2, n, &m2, &diag) == WPS_OK);
    wps_message_render(&m, NULL, 0, &n1);
    wps_message_render(&m2, NULL, 0, &n2);
    r1 = (char *)malloc(n1);
    r2 = (char *)malloc(n2);
    check(wps_message_render(&m, r1, n1, &n1) == WPS_OK);
    check(wps_message_render(&m2, r2, n2, &n2) == WPS_OK);
    check(n1 == n2 && memcmp(r1, r2, n1) == 0);
    free(scratch); free(frame); free(scratch2); free(r1); free(r2);
    return 0;
}
