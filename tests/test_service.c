/* Service helpers: SHA-256 (FIPS 180-2 vectors), HMAC-SHA256 (RFC 4231 test cases 1-7),
   base64url, percent-encoding, connection strings (server.md section 1 and vector #3) and
   client access tokens and URLs (server.md section 2, vectors #1, #2, #4-#7). */
#include "harness.h"
#include "../wps.h"

#include <stdio.h>
#include <stdlib.h>
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

/* server.md section 6, vectors #1 (ce-signature) and #2 (a JWT signed with the raw AccessKey). */
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

/* ---------------------------------------------------------------- connection strings */

typedef struct cs_case {
    const char *name;
    const char *text;
    wps_status status;
    const char *endpoint; /* effective endpoint on success */
    const char *key;
} cs_case;

#define K "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH="
static const cs_case cs_cases[] = {
    {"vector 3: https", "Endpoint=https://host;AccessKey=" K ";Version=1.0;", WPS_OK, "https://host", K},
    {"vector 3: http", "Endpoint=http://host;AccessKey=" K ";Version=1.0;", WPS_OK, "http://host", K},
    {"vector 3: Port", "Endpoint=http://host;AccessKey=" K ";Version=1.0;Port=8080;", WPS_OK, "http://host:8080", K},
    {"vector 3: any order", "AccessKey=" K ";Endpoint=http://host;Version=1.0;", WPS_OK, "http://host", K},
    {"names are case-insensitive, whitespace trimmed", " endpoint = https://h/ ; ACCESSKEY= " K " ;", WPS_OK, "https://h", K},
    {"the key keeps its '=' padding and is not decoded", "Endpoint=https://h;AccessKey=a=b==;", WPS_OK, "https://h", "a=b=="},
    {"empty parts and parts without '=' are skipped", ";;Endpoint=https://h;;junk;AccessKey=k;", WPS_OK, "https://h", "k"},
    {"unknown properties are ignored", "Endpoint=https://h;AccessKey=k;Foo=bar;", WPS_OK, "https://h", "k"},
    {"a bare host gets https:// (JS)", "Endpoint=myhost.webpubsub.azure.com;AccessKey=k;", WPS_OK, "https://myhost.webpubsub.azure.com", "k"},
    {"SignalR endpoints", "Endpoint=https://s;AccessKey=k;ClientEndpoint=https://c;ServerEndpoint=http://x;Version=1.0;", WPS_OK, "https://s", "k"},
    {"missing Endpoint", "AccessKey=k;Version=1.0;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"missing AccessKey", "Endpoint=https://h;Version=1.0;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"empty AccessKey", "Endpoint=https://h;AccessKey=;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"duplicate property", "Endpoint=https://h;AccessKey=k;endpoint=https://g;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"Port 0", "Endpoint=https://h;AccessKey=k;Port=0;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"Port 65536", "Endpoint=https://h;AccessKey=k;Port=65536;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"Port not a number", "Endpoint=https://h;AccessKey=k;Port=80a;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"not http(s)", "Endpoint=ftp://h;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"ClientEndpoint not a URL", "Endpoint=https://h;AccessKey=k;ClientEndpoint=c;", WPS_ERR_CONNECTION_STRING, NULL, NULL},
    {"AuthType is reported as unsupported", "Endpoint=https://h;AuthType=aad;ClientId=x;", WPS_ERR_UNSUPPORTED, NULL, NULL},
    {"empty", "", WPS_ERR_CONNECTION_STRING, NULL, NULL},
};

TEST connection_strings(void) {
    size_t i;
    for (i = 0; i < sizeof cs_cases / sizeof cs_cases[0]; i++) {
        const cs_case *c = &cs_cases[i];
        wps_connection_string cs;
        wps_diag d;
        wps_status st = wps_connection_string_parse(c->text, strlen(c->text), &cs, &d);
        if (st != c->status) {
            printf("    %s: %s (%s)\n", c->name, wps_status_name(st), d.reason);
            FAILm(c->name);
        }
        if (st == WPS_OK) {
            char ep[256];
            size_t n = wps_connection_string_endpoint(&cs, ep, sizeof ep);
            ep[n] = 0;
            ASSERT_STR_EQm(c->name, c->endpoint, ep);
            ASSERTm(c->name, cs.access_key.len == strlen(c->key) && memcmp(cs.access_key.ptr, c->key, cs.access_key.len) == 0);
        } else {
            ASSERTm(c->name, d.reason[0] != 0);
        }
    }
    PASS();
}

/* ---------------------------------------------------------------- tokens */

/* Decodes a base64url segment (no padding) into out; returns the length. */
static size_t b64url_decode(const char *s, size_t n, char *out, size_t cap) {
    char tmp[4096];
    size_t i, len = 0;
    if (n + 4 > sizeof tmp) return 0;
    for (i = 0; i < n; i++) tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (n % 4) tmp[n++] = '=';
    if (wps_base64_decode(tmp, n, out, cap, &len, NULL) != WPS_OK) return 0;
    return len;
}

/* Splits a JWT, checks the header and the signature with key, and copies the claims JSON. */
static int jwt_claims(const char *tok, size_t n, const char *key, char *claims, size_t cap) {
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

TEST client_access_urls_and_tokens(void) {
    static const char cstr[] = "Endpoint=http://localhost;Port=8080;AccessKey=" K ";Version=1.0;";
    wps_connection_string cs;
    wps_token_options o;
    wps_slice roles[3], groups[2];
    char url[2048], claims[2048], tok[2048];
    size_t n = 0, need = 0;
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(cstr, sizeof cstr - 1, &cs, NULL));
    memset(&o, 0, sizeof o);
    o.hub = wps_slice_from_cstr("hub");
    o.now = 1700000000;
    o.expires_minutes = 5;
    /* vector 4: URL, aud, exp - iat = 300, no sub without a user */
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, url, sizeof url, &n, NULL));
    url[n] = 0;
    ASSERT(strncmp(url, "ws://localhost:8080/client/hubs/hub?access_token=", 49) == 0);
    ASSERT(jwt_claims(url + 49, n - 49, K, claims, sizeof claims));
    ASSERT_STR_EQ("{\"aud\":\"http://localhost:8080/client/hubs/hub\",\"iat\":1700000000,\"exp\":1700000300}", claims);
    /* the exact size is reported, and nothing is written into a buffer that is too small */
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_access_url(&cs, &o, NULL, 0, &need, NULL));
    ASSERT_EQ(n, need);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_access_url(&cs, &o, url, n - 1, &need, NULL));
    /* user, roles (duplicates kept), groups with characters that need escaping */
    roles[0] = roles[1] = roles[2] = wps_slice_from_cstr("a");
    groups[0] = wps_slice_from_cstr("g\"1\\");
    groups[1] = wps_slice_make("g\n2", 3);
    o.user_id = wps_slice_from_cstr("user \xc3\xa9");
    o.roles = roles;
    o.role_count = 3;
    o.groups = groups;
    o.group_count = 2;
    o.expires_minutes = 0; /* vector 7: 0 means 60 minutes */
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, tok, sizeof tok, &n, NULL));
    ASSERT(jwt_claims(tok, n, K, claims, sizeof claims));
    ASSERT_STR_EQ("{\"aud\":\"http://localhost:8080/client/hubs/hub\",\"iat\":1700000000,\"exp\":1700003600,\"sub\":\"user \xc3\xa9\","
                  "\"role\":[\"a\",\"a\",\"a\"],\"webpubsub.group\":[\"g\\\"1\\\\\",\"g\\u000a2\"]}",
                  claims);
    /* vector 6: the MQTT and Socket.IO paths */
    o.user_id.ptr = NULL;
    o.role_count = o.group_count = 0;
    o.client_kind = WPS_CLIENT_KIND_MQTT;
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, url, sizeof url, &n, NULL));
    ASSERT(strncmp(url, "ws://localhost:8080/clients/mqtt/hubs/hub?access_token=", 55) == 0);
    ASSERT(jwt_claims(url + 55, n - 55, K, claims, sizeof claims));
    ASSERT(strstr(claims, "\"aud\":\"http://localhost:8080/clients/mqtt/hubs/hub\"") != NULL);
    o.client_kind = WPS_CLIENT_KIND_SOCKETIO;
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, url, sizeof url, &n, NULL));
    ASSERT(strncmp(url, "ws://localhost:8080/clients/socketio/hubs/hub?access_token=", 59) == 0);
    /* vector 5: https -> wss */
    {
        static const char c2[] = "Endpoint=https://a;AccessKey=k;Version=1.0;";
        wps_connection_string cs2;
        ASSERT_EQ(WPS_OK, wps_connection_string_parse(c2, sizeof c2 - 1, &cs2, NULL));
        o.client_kind = WPS_CLIENT_KIND_DEFAULT;
        ASSERT_EQ(WPS_OK, wps_client_access_url(&cs2, &o, url, sizeof url, &n, NULL));
        ASSERT(strncmp(url, "wss://a/client/hubs/hub?access_token=", 37) == 0);
    }
    /* invalid hubs are refused before anything is built */
    o.hub = wps_slice_from_cstr("1hub");
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_access_token(&cs, &o, tok, sizeof tok, &n, NULL));
    o.hub = wps_slice_from_cstr("a b");
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_access_token(&cs, &o, tok, sizeof tok, &n, NULL));
    PASS();
}

TEST signalr_client_token(void) {
    static const char cstr[] = "Endpoint=https://my.service.signalr.net;Port=8443;AccessKey=" K ";Version=1.0;ClientEndpoint=https://edge.example;";
    wps_connection_string cs;
    wps_token_options o;
    char tok[1024], url[256], claims[1024];
    size_t n = 0, un = 0;
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(cstr, sizeof cstr - 1, &cs, NULL));
    memset(&o, 0, sizeof o);
    o.hub = wps_slice_from_cstr("ChatHub");
    o.user_id = wps_slice_from_cstr("u1");
    o.now = 1700000000;
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, tok, sizeof tok, &n, url, sizeof url, &un, NULL));
    url[un] = 0;
    ASSERT_STR_EQ("https://edge.example/client/?hub=chathub", url);
    ASSERT(jwt_claims(tok, n, K, claims, sizeof claims));
    /* aud: scheme://host of the endpoint, port dropped, hub lowercased */
    ASSERT_STR_EQ("{\"aud\":\"https://my.service.signalr.net/client/?hub=chathub\",\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700003600,"
                  "\"asrs.s.uid\":\"u1\"}",
                  claims);
    PASS();
}

/* server.md 4.2 and vector #1: one part per key, hex in either case, ',' or ' ' separators. */
TEST webhook_signatures(void) {
    wps_slice conn = wps_slice_from_cstr("0f9c97a2f0bf4706afe87a14e0797b11");
    wps_slice keys[2];
    char sig[72];
    static const char good[] = "sha256=7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab561";
    static const char upper[] = "SHA256=7767EFFCB3946F3E1DE039DF4B986EF02C110B1469D02C0A06F41B3B727AB561";
    static const char two[] = "sha256=0000000000000000000000000000000000000000000000000000000000000000, sha256=7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab561";
    static const char bad[] = "sha256=7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab560";
    wps_diag d;
    keys[0] = wps_slice_from_cstr("7aab239577fd4f24bc919802fb629f5f");
    keys[1] = wps_slice_from_cstr("secondary-key");
    wps_webhook_signature(keys[0], conn, sig);
    sig[71] = 0;
    ASSERT_STR_EQ(good, sig);
    ASSERT_EQ(WPS_OK, wps_webhook_verify_signature(conn, wps_slice_from_cstr(good), keys, 1, &d));
    ASSERT_EQ(WPS_OK, wps_webhook_verify_signature(conn, wps_slice_from_cstr(upper), keys, 1, &d));
    ASSERT_EQ(WPS_OK, wps_webhook_verify_signature(conn, wps_slice_from_cstr(two), keys, 1, &d));
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_webhook_verify_signature(conn, wps_slice_from_cstr(good), keys + 1, 1, &d)); /* another key */
    ASSERT_EQ(WPS_OK, wps_webhook_verify_signature(conn, wps_slice_from_cstr(good), keys, 2, &d)); /* the primary of two keys */
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_webhook_verify_signature(conn, wps_slice_from_cstr(bad), keys, 2, &d));
    ASSERT(d.reason[0] != 0);
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_webhook_verify_signature(conn, wps_slice_from_cstr(""), keys, 2, &d)); /* fail closed */
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_webhook_verify_signature(wps_slice_from_cstr("other"), wps_slice_from_cstr(good), keys, 2, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_verify_signature(conn, wps_slice_from_cstr(good), keys, 0, &d));
    PASS();
}

/* server.md 4.3 and vector #11. */
TEST webhook_abuse_protection(void) {
    wps_slice allowed[1];
    wps_diag d;
    allowed[0] = wps_slice_from_cstr("my-host.webpubsub.net");
    ASSERT_EQ(WPS_OK, wps_webhook_check_origin(wps_slice_from_cstr("my-host.webpubsub.net"), allowed, 1, &d));
    ASSERT_EQ(WPS_OK, wps_webhook_check_origin(wps_slice_from_cstr("other.example, MY-HOST.webpubsub.net"), allowed, 1, &d));
    ASSERT_EQ(WPS_ERR_ORIGIN, wps_webhook_check_origin(wps_slice_from_cstr("attacker.com"), allowed, 1, &d));
    ASSERT_STR_EQ("WebHook-Request-Origin: Abuse Protection validation failed.", d.reason);
    ASSERT_EQ(WPS_ERR_ORIGIN, wps_webhook_check_origin(wps_slice_from_cstr(""), allowed, 1, &d));
    ASSERT_EQ(WPS_OK, wps_webhook_check_origin(wps_slice_from_cstr("anything.example"), NULL, 0, &d)); /* no list: any origin */
    ASSERT_EQ(WPS_ERR_ORIGIN, wps_webhook_check_origin(wps_slice_from_cstr(" , "), NULL, 0, &d));
    PASS();
}

SUITE(service) {
    RUN_TEST(webhook_abuse_protection);
    RUN_TEST(webhook_signatures);
    RUN_TEST(sha256_fips_vectors_and_any_split);
    RUN_TEST(hmac_sha256_rfc4231);
    RUN_TEST(service_signature_vectors);
    RUN_TEST(base64url_percent_and_constant_time);
    RUN_TEST(connection_strings);
    RUN_TEST(client_access_urls_and_tokens);
    RUN_TEST(signalr_client_token);
}
