/* libFuzzer target: the REST response parsers on arbitrary bytes (the first byte picks the
   parser). Checked: an error has a reason; every slice points into the body or the scratch;
   with scratch of the body's length nothing is ever too small; without scratch the parse either
   gives the same result or asks for scratch. */
#include "fuzz_common.h"


static const char *lo, *hi, *slo, *shi;

static void inside(wps_slice s) { check(fuzz_slice_within(s, lo, hi) || fuzz_slice_within(s, slo, shi)); }

/* One parse: kind picks the parser; out[] gets its slices (up to 8) and *n their count. */
static wps_status run(int kind, const char *body, size_t len, char *scratch, size_t cap, wps_slice *out, size_t *n, wps_diag *d) {
    wps_status st;
    wps_group_member m[3];
    wps_rest_error e;
    wps_signalr_service_response r;
    size_t count = 0, i;
    *n = 0;
    switch (kind) {
    case 0: st = wps_rest_parse_token(body, len, scratch, cap, &out[0], d), *n = 1; break;
    case 1:
        st = wps_rest_parse_group_members(body, len, scratch, cap, m, 3, &count, &out[0], d);
        *n = 1;
        if (st == WPS_OK || st == WPS_ERR_BUFFER_TOO_SMALL)
            for (i = 0; i < count && i < 3 && st == WPS_OK; i++) out[(*n)++] = m[i].connection_id, out[(*n)++] = m[i].user_id;
        if (st == WPS_ERR_BUFFER_TOO_SMALL && count > 3) st = WPS_OK; /* more members than cap: the count is right */
        break;
    case 2:
        st = wps_rest_parse_error(body, len, scratch, cap, &e, d);
        out[0] = e.code, out[1] = e.message, out[2] = e.target, out[3] = e.inner_code, out[4] = e.details, *n = 5;
        break;
    case 3:
        st = wps_signalr_parse_service_response(body, len, scratch, cap, &r, d);
        out[0] = r.code, out[1] = r.level, out[2] = r.scope, out[3] = r.error_kind, out[4] = r.message, out[5] = r.json_object, *n = 6;
        break;
    case 4: st = wps_signalr_parse_invoke_result(body, len, scratch, cap, &out[0], &out[1], d), *n = 2; break;
    default: st = wps_signalr_parse_access_key(body, len, scratch, cap, &out[0], &out[1], d), *n = 2; break;
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wps_slice a[8], b[8];
    size_t na = 0, nb = 0, i;
    wps_diag d;
    wps_status st, st2;
    char *scratch;
    const char *body;
    int kind;
    if (size < 1) return 0;
    kind = data[0] % 6;
    body = (const char *)data + 1;
    size--;
    scratch = (char *)malloc(size ? size : 1);
    lo = body;
    hi = body + size;
    slo = scratch;
    shi = scratch + size;
    st = run(kind, body, size, scratch, size, a, &na, &d);
    check(st != WPS_ERR_BUFFER_TOO_SMALL);
    if (st != WPS_OK) check(d.reason[0] != 0);
    else
        for (i = 0; i < na; i++) inside(a[i]);
    st2 = run(kind, body, size, NULL, 0, b, &nb, NULL);
    if (st == WPS_OK) {
        check(st2 == WPS_OK || st2 == WPS_ERR_BUFFER_TOO_SMALL);
        if (st2 == WPS_OK)
            for (i = 0; i < na; i++) check(fuzz_slice_same(a[i], b[i]));
    } else {
        check(st2 == st || st2 == WPS_ERR_BUFFER_TOO_SMALL);
    }
    free(scratch);
    return 0;
}
