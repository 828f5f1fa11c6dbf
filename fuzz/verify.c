/* libFuzzer target: wps_token_verify. Odd first byte: the rest is a token as is. Even: the rest
   is a claims payload, signed with the key, so the claims parser is reached. Checked: the
   status is one of the documented ones with a reason; an accepted token's slices lie in the
   memory given; wps_token_memory_bound always suffices. */
#include "fuzz_common.h"


static const char *mlo, *mhi;

static void inside(wps_slice s) { check(fuzz_slice_within(s, mlo, mhi)); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    wps_slice key = wps_slice_from_cstr("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH");
    char *tok;
    size_t tn, i;
    void *mem;
    size_t cap;
    wps_token_claims c;
    wps_diag d;
    wps_status st;
    if (size < 1) return 0;
    if (data[0] & 1) {
        tn = size - 1;
        tok = (char *)malloc(tn ? tn : 1);
        memcpy(tok, data + 1, tn);
    } else {
        unsigned char mac[32];
        size_t hn = wps_base64url_encode(header, sizeof header - 1, NULL, 0), pn = wps_base64url_encode(data + 1, size - 1, NULL, 0);
        tn = hn + 1 + pn + 1 + 43;
        tok = (char *)malloc(tn);
        wps_base64url_encode(header, sizeof header - 1, tok, hn);
        tok[hn] = '.';
        wps_base64url_encode(data + 1, size - 1, tok + hn + 1, pn);
        tok[hn + 1 + pn] = '.';
        wps_hmac_sha256(key.ptr, key.len, tok, hn + 1 + pn, mac);
        wps_base64url_encode(mac, 32, tok + hn + 2 + pn, 43);
    }
    cap = wps_token_memory_bound(tn);
    mem = malloc(cap);
    mlo = (const char *)mem;
    mhi = mlo + cap;
    st = wps_token_verify(&key, 1, tok, tn, 1700000000, mem, cap, &c, &d);
    check(st == WPS_OK || st == WPS_ERR_TOKEN || st == WPS_ERR_SIGNATURE || st == WPS_ERR_TOKEN_EXPIRED);
    if (st != WPS_OK) check(d.reason[0] != 0);
    else {
        inside(c.aud), inside(c.sub);
        for (i = 0; i < c.role_count; i++) inside(c.roles[i]);
        for (i = 0; i < c.group_count; i++) inside(c.groups[i]);
        check(c.exp > 1700000000);
    }
    free(mem);
    free(tok);
    return 0;
}
