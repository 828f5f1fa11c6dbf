/* test_util.h: helpers more than one test file uses (static inline: a file that does not use
   one gets no warning). */
#ifndef WPS_TEST_UTIL_H
#define WPS_TEST_UTIL_H

#include <string.h>

/* The access key of the service tests (docs/service-rules.md §6 vectors use their own). */
#define K "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH="

/* A slice with exactly the bytes of the C string c. */
static inline int slice_is(wps_slice s, const char *c) { return s.ptr && s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0; }

/* base64url without padding into out; (size_t)-1 for a character outside the alphabet or when
   out is too small. */
static inline size_t b64url_decode(const char *s, size_t n, char *out, size_t cap) {
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned long acc = 0;
    unsigned bits = 0;
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        const char *p = s[i] ? (const char *)memchr(alpha, s[i], 64) : NULL;
        if (!p) return (size_t)-1;
        acc = (acc << 6) | (unsigned long)(p - alpha);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap) return (size_t)-1;
            out[o++] = (char)((acc >> bits) & 0xFFu);
            acc &= (1ul << bits) - 1u;
        }
    }
    return o;
}

/* The claims of an HS256 JWT, NUL-terminated into claims, when its header is the standard one and
   it is signed with key; 0 otherwise. */
static inline int jwt_claims(const char *tok, size_t n, const char *key, char *claims, size_t cap) {
    const char *d1 = (const char *)memchr(tok, '.', n), *d2;
    char head[128], sig[64];
    unsigned char mac[32];
    size_t hl, cl, sl;
    if (!d1) return 0;
    d2 = (const char *)memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok));
    if (!d2) return 0;
    hl = b64url_decode(tok, (size_t)(d1 - tok), head, sizeof head - 1);
    head[hl] = 0;
    if (strcmp(head, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}") != 0) return 0;
    cl = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), claims, cap - 1);
    claims[cl] = 0;
    wps_hmac_sha256(key, strlen(key), tok, (size_t)(d2 - tok), mac);
    sl = wps_base64url_encode(mac, 32, sig, sizeof sig);
    return sl == n - (size_t)(d2 + 1 - tok) && memcmp(sig, d2 + 1, sl) == 0;
}

#endif
