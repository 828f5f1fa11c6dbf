/* libFuzzer target: wps_decode on arbitrary bytes, in both directions. Every accepted message is
   encoded, decoded again and must render identically (decode(encode(m)) == m). A message that
   renders must also parse back from its rendered form to the same message. wps_decode_in_place
   must give the same status and, on success, the same rendered message as wps_decode. */
#include "fuzz_common.h"


static size_t render(const wps_message *m, char **out) {
    size_t n = 0;
    check(wps_message_render(m, NULL, 0, &n) == WPS_ERR_BUFFER_TOO_SMALL || n == 0);
    *out = (char *)malloc(n + 1);
    check(wps_message_render(m, *out, n, &n) == WPS_OK);
    return n;
}

#ifdef WPS_NO_REASONS
/* "key at byte N", "at byte N", "key" or "": a key (no spaces) and a decimal offset, nothing else */
static int key_and_offset_only(const char *r) {
    const char *at = strstr(r, "at byte ");
    size_t k = at ? (size_t)(at - r) : strlen(r), i;
    if (at && k && r[k - 1] != ' ') return 0;
    for (i = 0; i + (at && k ? 1u : 0u) < k; i++)
        if (r[i] == ' ') return 0;
    if (!at) return 1;
    at += 8;
    if (!*at) return 0;
    for (; *at; at++)
        if (*at < '0' || *at > '9') return 0;
    return 1;
}
#endif

static void one(const uint8_t *data, size_t size, wps_direction dir) {
    wps_codec codec = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, dir);
    wps_message m, m2, m3;
    wps_diag diag;
    char *scratch = (char *)malloc(size + 1), *scratch2, *scratch3, *frame, *r1, *r2, *r3;
    size_t n = 0, n1, n2, n3;
    wps_status st = wps_decode(&codec, data, size, scratch, size, &m, &diag);
    check(st == WPS_OK || st == WPS_IGNORED || st < 0);
    {
        /* in place: same outcome, same message */
        char *copy = (char *)malloc(size + 1), *ra, *rb;
        wps_message mi;
        wps_status si;
        if (size) memcpy(copy, data, size);
        si = wps_decode_in_place(&codec, size ? copy : NULL, size, &mi, NULL);
        check(si == st);
        if (st == WPS_OK) {
            size_t na = render(&m, &ra), nb = render(&mi, &rb);
            check(na == nb && memcmp(ra, rb, na) == 0);
            free(ra);
            free(rb);
        }
        free(copy);
    }
#ifndef WPS_NO_REASONS
    check(st == WPS_OK || diag.reason[0] != 0);
#else /* (fuzz/codec_decode_no_reasons.c) a failure's reason is at most its key and byte offset */
    check(st >= 0 ? st == WPS_OK || diag.reason[0] != 0 : key_and_offset_only(diag.reason));
#endif
    /* the scratch bound must be enough */
    check(st != WPS_ERR_BUFFER_TOO_SMALL);
    if (st != WPS_OK) {
        free(scratch);
        return;
    }
    /* too-small scratch must report the exact need, or succeed */
    if (size > 0) {
        wps_message t;
        wps_diag td;
        wps_status ts = wps_decode(&codec, data, size, scratch, 0, &t, &td);
        check(ts == WPS_OK || (ts == WPS_ERR_BUFFER_TOO_SMALL && td.needed > 0 && td.needed <= size));
    }
    st = wps_encode(&codec, &m, NULL, 0, &n, &diag);
    check(st == WPS_ERR_BUFFER_TOO_SMALL);
    frame = (char *)malloc(n);
    check(wps_encode(&codec, &m, frame, n, &n, &diag) == WPS_OK);
    scratch2 = (char *)malloc(n + 1);
    check(wps_decode(&codec, frame, n, scratch2, n, &m2, &diag) == WPS_OK);
    n1 = render(&m, &r1);
    n2 = render(&m2, &r2);
    check(n1 == n2 && memcmp(r1, r2, n1) == 0);
    /* rendered form parses back to the same message */
    scratch3 = (char *)malloc(n1 + 1);
    check(wps_message_parse_rendered(&codec, r1, n1, scratch3, n1, &m3, &diag) == WPS_OK);
    n3 = render(&m3, &r3);
    check(n3 == n1 && memcmp(r3, r1, n1) == 0);
    free(scratch); free(scratch2); free(scratch3); free(frame); free(r1); free(r2); free(r3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    one(data, size, WPS_DOWNSTREAM);
    one(data, size, WPS_UPSTREAM);
    return 0;
}
