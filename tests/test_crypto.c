/* Tests of wps.h section >>crypto: SHA-256 (FIPS 180-2 vectors), HMAC-SHA256 (RFC 4231 test
   cases 1-7), base64url, percent-encoding, constant-time compare, and the signature vectors of
   docs/service-rules.md §6 (#1 ce-signature, #2 a JWT signed with the raw AccessKey). */
#include "harness.h"
#include "../wps.h"

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

static void hex(const unsigned char *d, size_t n, char *out) {
    static const char h[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) out[2 * i] = h[d[i] >> 4], out[2 * i + 1] = h[d[i] & 15];
    out[2 * n] = 0;
}

typedef struct sha_case {
    const char *msg;
    size_t repeat; /* the message repeated this many times */
    const char *digest;
} sha_case;

static const sha_case sha_cases[] = {
    {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

TEST sha256_fips_vectors_and_any_split(void) {
    size_t i, r, split;
    unsigned char d[32];
    char h[65];
    for (i = 0; i < sizeof sha_cases / sizeof sha_cases[0]; i++) {
        const sha_case *c = &sha_cases[i];
        wps_sha256_ctx s;
        size_t n = strlen(c->msg);
        wps_sha256_init(&s);
        for (r = 0; r < c->repeat; r++) wps_sha256_update(&s, c->msg, n);
        wps_sha256_final(&s, d);
        hex(d, 32, h);
        ASSERT_STR_EQm(c->msg, c->digest, h);
    }
    /* the two-block message cut at every point gives the same digest */
    for (split = 0; split <= 56; split++) {
        wps_sha256_ctx s;
        const char *m = sha_cases[2].msg;
        wps_sha256_init(&s);
        wps_sha256_update(&s, m, split);
        wps_sha256_update(&s, m + split, 56 - split);
        wps_sha256_final(&s, d);
        hex(d, 32, h);
        ASSERT_STR_EQ(sha_cases[2].digest, h);
    }
    PASS();
}

TEST hmac_sha256_rfc4231(void) {
    static unsigned char k3[20], d3[50], k4[25], d4[50], k6[131];
    struct {
        const void *key;
        size_t kn;
        const void *data;
        size_t dn;
        const char *mac;
        size_t check; /* bytes compared (test case 5 is truncated to 128 bits) */
    } cases[7];
    static const unsigned char k1[20] = {11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11};
    static const unsigned char k5[20] = {12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12};
    static const char t7[] = "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed "
                             "before being used by the HMAC algorithm.";
    size_t i;
    unsigned char mac[32];
    char h[65];
    memset(k3, 0xaa, sizeof k3);
    memset(d3, 0xdd, sizeof d3);
    for (i = 0; i < 25; i++) k4[i] = (unsigned char)(i + 1);
    memset(d4, 0xcd, sizeof d4);
    memset(k6, 0xaa, sizeof k6);
    cases[0].key = k1, cases[0].kn = 20, cases[0].data = "Hi There", cases[0].dn = 8;
    cases[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", cases[0].check = 32;
    cases[1].key = "Jefe", cases[1].kn = 4, cases[1].data = "what do ya want for nothing?", cases[1].dn = 28;
    cases[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", cases[1].check = 32;
    cases[2].key = k3, cases[2].kn = 20, cases[2].data = d3, cases[2].dn = 50;
    cases[2].mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", cases[2].check = 32;
    cases[3].key = k4, cases[3].kn = 25, cases[3].data = d4, cases[3].dn = 50;
    cases[3].mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", cases[3].check = 32;
    cases[4].key = k5, cases[4].kn = 20, cases[4].data = "Test With Truncation", cases[4].dn = 20;
    cases[4].mac = "a3b6167473100ee06e0c796c2955552b", cases[4].check = 16;
    cases[5].key = k6, cases[5].kn = 131, cases[5].data = "Test Using Larger Than Block-Size Key - Hash Key First", cases[5].dn = 54;
    cases[5].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", cases[5].check = 32;
    cases[6].key = k6, cases[6].kn = 131, cases[6].data = t7, cases[6].dn = sizeof t7 - 1;
    cases[6].mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", cases[6].check = 32;
    for (i = 0; i < 7; i++) {
        wps_hmac_sha256(cases[i].key, cases[i].kn, cases[i].data, cases[i].dn, mac);
        hex(mac, cases[i].check, h);
        ASSERT_STR_EQ(cases[i].mac, h);
    }
    PASS();
}

/* docs/service-rules.md section 6, vectors #1 (ce-signature) and #2 (a JWT signed with the raw AccessKey). */
TEST service_signature_vectors(void) {
    unsigned char mac[32];
    char h[65], sig[64];
    static const char signed_part[] =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZGQiLCJuYmYiOjE2MjkxODMzNzQsImV4cCI6MTYyOTE4Njk3NCwiaWF0IjoxNjI5MTgzMzc0LCJh"
        "dWQiOiJodHRwOi8vbG9jYWxob3N0OjgwODAvY2xpZW50L2h1YnMvY2hhdCJ9";
    static const char key2[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
    size_t n;
    wps_hmac_sha256("7aab239577fd4f24bc919802fb629f5f", 32, "0f9c97a2f0bf4706afe87a14e0797b11", 32, mac);
    hex(mac, 32, h);
    ASSERT_STR_EQ("7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab561", h);
    wps_hmac_sha256(key2, sizeof key2 - 1, signed_part, sizeof signed_part - 1, mac);
    n = wps_base64url_encode(mac, 32, sig, sizeof sig);
    sig[n] = 0;
    ASSERT_STR_EQ("tqD8ykjv5NmYw6gzLKglUAv-c-AVWu-KNZOptRKkgMM", sig);
    PASS();
}

TEST base64url_percent_and_constant_time(void) {
    static const char *const b64[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    static const unsigned char bin[] = {0xfb, 0xff, 0xbf};
    char out[64];
    size_t i, n;
    for (i = 0; i < 7; i++) {
        n = wps_base64url_encode("foobar", i, out, sizeof out);
        out[n] = 0;
        ASSERT_STR_EQ(b64[i], out);
    }
    n = wps_base64url_encode(bin, 3, out, sizeof out); /* the URL-safe alphabet */
    out[n] = 0;
    ASSERT_STR_EQ("-_-_", out);
    ASSERT_EQ((size_t)8, wps_base64url_encode("foobar", 6, out, 3)); /* too small: the size, nothing written */
    n = wps_percent_encode("a b/c?d=é~-._", 14, out, sizeof out);
    out[n] = 0;
    ASSERT_STR_EQ("a%20b%2Fc%3Fd%3D%C3%A9~-._", out);
    ASSERT(wps_equal_constant_time("abcd", "abcd", 4));
    ASSERT_FALSE(wps_equal_constant_time("abcd", "abce", 4));
    ASSERT(wps_equal_constant_time("", "", 0));
    PASS();
}

SUITE(crypto) {
    RUN_TEST(sha256_fips_vectors_and_any_split);
    RUN_TEST(hmac_sha256_rfc4231);
    RUN_TEST(service_signature_vectors);
    RUN_TEST(base64url_percent_and_constant_time);
}
