/* Service helpers: SHA-256 (FIPS 180-2 vectors), HMAC-SHA256 (RFC 4231 test cases 1-7),
   base64url, percent-encoding, connection strings (docs/service-rules.md section 1 and vector #3) and
   client access tokens and URLs (docs/service-rules.md section 2, vectors #1, #2, #4-#7). */
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
    {"the scheme's default port is dropped (as JS and .NET URLs do)", "Endpoint=http://host;AccessKey=k;Port=80;", WPS_OK, "http://host", "k"},
    {"https 443 in the endpoint is dropped", "Endpoint=https://host:443;AccessKey=k;", WPS_OK, "https://host", "k"},
    {"a port in the endpoint is kept", "Endpoint=https://host:8443/;AccessKey=k;", WPS_OK, "https://host:8443", "k"},
    {"https with Port=80 keeps it", "Endpoint=https://host;AccessKey=k;Port=80;", WPS_OK, "https://host:80", "k"},
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

/* An endpoint with characters no host has is refused before it reaches a URL or an aud. */
TEST endpoint_hosts_are_checked(void) {
    static const char *const bad[] = {"Endpoint=https://a\"b.com;AccessKey=k;", "Endpoint=https://evil.com#.webpubsub.azure.com;AccessKey=k;",
                                      "Endpoint=https://a b.com;AccessKey=k;"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wps_connection_string cs;
        wps_token_options o;
        wps_rest_params p;
        wps_rest_request req;
        char buf[1024];
        size_t n;
        if (wps_connection_string_parse(bad[i], strlen(bad[i]), &cs, NULL) != WPS_OK) continue; /* refused already */
        memset(&o, 0, sizeof o);
        o.hub = wps_slice_from_cstr("h");
        ASSERT_EQm(bad[i], WPS_ERR_INVALID_ARGUMENT, wps_client_access_token(&cs, &o, buf, sizeof buf, &n, NULL));
        memset(&p, 0, sizeof p);
        ASSERT_EQm(bad[i], WPS_ERR_INVALID_ARGUMENT, wps_rest_build(&cs, WPS_REST_GET_SERVICE_STATUS, &p, buf, sizeof buf, &req, &n, NULL));
    }
    PASS();
}

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
    /* user, roles (duplicates kept), groups with characters that need escaping: escaped as
       JSON.stringify does (jsonwebtoken's sign, used by @azure/web-pubsub's
       getClientAccessToken), the one escaper of wps.h: \n, not \u000a */
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
                  "\"role\":[\"a\",\"a\",\"a\"],\"webpubsub.group\":[\"g\\\"1\\\\\",\"g\\n2\"]}",
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

/* docs/service-rules.md 4.2 and vector #1: one part per key, hex in either case, ',' or ' ' separators. */
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

/* docs/service-rules.md 4.3 and vector #11. */
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

/* ------------------------------------------------------------------ REST (docs/service-rules.md section 3) */

#define REST_CS "Endpoint=https://demo.webpubsub.azure.com;AccessKey=" K ";Version=1.0;"

/* Every operation of WPS_REST_OPERATIONS with its path parameters: method, URL, success status. */
typedef struct rest_case {
    wps_rest_operation op;
    const char *group, *user, *conn, *perm, *stream;
    const char *expect; /* "METHOD path?query" after the endpoint */
    unsigned ok;
} rest_case;

static const rest_case rest_cases[] = {
    {WPS_REST_GET_SERVICE_STATUS, 0, 0, 0, 0, 0, "HEAD /api/health?api-version=2024-12-01", 200},
    {WPS_REST_ADD_CONNECTIONS_TO_GROUPS, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:addToGroups?api-version=2024-12-01", 200},
    {WPS_REST_REMOVE_CONNECTIONS_FROM_GROUPS, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:removeFromGroups?api-version=2024-12-01", 200},
    {WPS_REST_CLOSE_ALL_CONNECTIONS, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:closeConnections?api-version=2024-12-01", 204},
    {WPS_REST_GENERATE_CLIENT_TOKEN, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:generateToken?api-version=2024-12-01", 200},
    {WPS_REST_SEND_TO_ALL, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:send?api-version=2024-12-01", 202},
    {WPS_REST_CLOSE_CONNECTION, 0, 0, "c1", 0, 0, "DELETE /api/hubs/chat/connections/c1?api-version=2024-12-01", 204},
    {WPS_REST_CONNECTION_EXISTS, 0, 0, "c1", 0, 0, "HEAD /api/hubs/chat/connections/c1?api-version=2024-12-01", 200},
    {WPS_REST_SEND_TO_CONNECTION, 0, 0, "c1", 0, 0, "POST /api/hubs/chat/connections/c1/:send?api-version=2024-12-01", 202},
    {WPS_REST_REMOVE_CONNECTION_FROM_ALL_GROUPS, 0, 0, "c1", 0, 0, "DELETE /api/hubs/chat/connections/c1/groups?api-version=2024-12-01", 204},
    {WPS_REST_GROUP_EXISTS, "g1", 0, 0, 0, 0, "HEAD /api/hubs/chat/groups/g1?api-version=2024-12-01", 200},
    {WPS_REST_CLOSE_GROUP_CONNECTIONS, "g1", 0, 0, 0, 0, "POST /api/hubs/chat/groups/g1/:closeConnections?api-version=2024-12-01", 204},
    {WPS_REST_SEND_TO_GROUP, "g1", 0, 0, 0, 0, "POST /api/hubs/chat/groups/g1/:send?api-version=2024-12-01", 202},
    {WPS_REST_LIST_CONNECTIONS_IN_GROUP, "g1", 0, 0, 0, 0, "GET /api/hubs/chat/groups/g1/connections?api-version=2024-12-01", 200},
    {WPS_REST_REMOVE_CONNECTION_FROM_GROUP, "g1", 0, "c1", 0, 0, "DELETE /api/hubs/chat/groups/g1/connections/c1?api-version=2024-12-01", 204},
    {WPS_REST_ADD_CONNECTION_TO_GROUP, "g1", 0, "c1", 0, 0, "PUT /api/hubs/chat/groups/g1/connections/c1?api-version=2024-12-01", 200},
    {WPS_REST_REVOKE_PERMISSION, 0, 0, "c1", "sendToGroup", 0, "DELETE /api/hubs/chat/permissions/sendToGroup/connections/c1?api-version=2024-12-01", 204},
    {WPS_REST_CHECK_PERMISSION, 0, 0, "c1", "joinleavegroup", 0, "HEAD /api/hubs/chat/permissions/joinLeaveGroup/connections/c1?api-version=2024-12-01", 200},
    {WPS_REST_GRANT_PERMISSION, 0, 0, "c1", "joinLeaveGroup", 0, "PUT /api/hubs/chat/permissions/joinLeaveGroup/connections/c1?api-version=2024-12-01", 200},
    {WPS_REST_USER_EXISTS, 0, "u1", 0, 0, 0, "HEAD /api/hubs/chat/users/u1?api-version=2024-12-01", 200},
    {WPS_REST_CLOSE_USER_CONNECTIONS, 0, "u1", 0, 0, 0, "POST /api/hubs/chat/users/u1/:closeConnections?api-version=2024-12-01", 204},
    {WPS_REST_SEND_TO_USER, 0, "u1", 0, 0, 0, "POST /api/hubs/chat/users/u1/:send?api-version=2024-12-01", 202},
    {WPS_REST_REMOVE_USER_FROM_ALL_GROUPS, 0, "u1", 0, 0, 0, "DELETE /api/hubs/chat/users/u1/groups?api-version=2024-12-01", 204},
    {WPS_REST_REMOVE_USER_FROM_GROUP, "g1", "u1", 0, 0, 0, "DELETE /api/hubs/chat/users/u1/groups/g1?api-version=2024-12-01", 204},
    {WPS_REST_ADD_USER_TO_GROUP, "g1", "u1", 0, 0, 0, "PUT /api/hubs/chat/users/u1/groups/g1?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_GET_ACCESS_KEY, 0, 0, 0, 0, 0, "GET /api/auth/accessKey?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_GET_SERVICE_STATUS, 0, 0, 0, 0, 0, "HEAD /api/health?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_CLOSE_CONNECTIONS, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:closeConnections?api-version=2024-12-01", 204},
    {WPS_REST_SIGNALR_EXECUTE, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:execute?api-version=2024-12-01", 202},
    {WPS_REST_SIGNALR_GENERATE_CLIENT_TOKEN, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:generateToken?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_BROADCAST, 0, 0, 0, 0, 0, "POST /api/hubs/chat/:send?api-version=2024-12-01", 202},
    {WPS_REST_SIGNALR_CLOSE_CONNECTION, 0, 0, "c1", 0, 0, "DELETE /api/hubs/chat/connections/c1?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_CHECK_CONNECTION_EXISTENCE, 0, 0, "c1", 0, 0, "HEAD /api/hubs/chat/connections/c1?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_INVOKE_CLIENT_CONNECTION, 0, 0, "c1", 0, 0, "POST /api/hubs/chat/connections/c1/:invoke?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_SEND_TO_CONNECTION, 0, 0, "c1", 0, 0, "POST /api/hubs/chat/connections/c1/:send?api-version=2024-12-01", 202},
    {WPS_REST_SIGNALR_REMOVE_CONNECTION_FROM_ALL_GROUPS, 0, 0, "c1", 0, 0, "DELETE /api/hubs/chat/connections/c1/groups?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_COMPLETE_CONNECTION_STREAM, 0, 0, "c1", 0, "s1",
     "POST /api/hubs/chat/connections/c1/streams/s1/:complete?api-version=2024-12-01", 202},
    {WPS_REST_SIGNALR_SEND_TO_CONNECTION_STREAM, 0, 0, "c1", 0, "s1", "POST /api/hubs/chat/connections/c1/streams/s1/:send?api-version=2024-12-01",
     202},
    {WPS_REST_SIGNALR_CHECK_GROUP_EXISTENCE, "g1", 0, 0, 0, 0, "HEAD /api/hubs/chat/groups/g1?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_CLOSE_GROUP_CONNECTIONS, "g1", 0, 0, 0, 0, "POST /api/hubs/chat/groups/g1/:closeConnections?api-version=2024-12-01", 204},
    {WPS_REST_SIGNALR_GROUP_BROADCAST, "g1", 0, 0, 0, 0, "POST /api/hubs/chat/groups/g1/:send?api-version=2024-12-01", 202},
    {WPS_REST_SIGNALR_LIST_CONNECTIONS_IN_GROUP, "g1", 0, 0, 0, 0, "GET /api/hubs/chat/groups/g1/connections?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_REMOVE_CONNECTION_FROM_GROUP, "g1", 0, "c1", 0, 0, "DELETE /api/hubs/chat/groups/g1/connections/c1?api-version=2024-12-01",
     200},
    {WPS_REST_SIGNALR_ADD_CONNECTION_TO_GROUP, "g1", 0, "c1", 0, 0, "PUT /api/hubs/chat/groups/g1/connections/c1?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_CHECK_USER_EXISTENCE, 0, "u1", 0, 0, 0, "HEAD /api/hubs/chat/users/u1?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_CLOSE_USER_CONNECTIONS, 0, "u1", 0, 0, 0, "POST /api/hubs/chat/users/u1/:closeConnections?api-version=2024-12-01", 204},
    {WPS_REST_SIGNALR_SEND_TO_USER, 0, "u1", 0, 0, 0, "POST /api/hubs/chat/users/u1/:send?api-version=2024-12-01", 202},
    {WPS_REST_SIGNALR_REMOVE_USER_FROM_ALL_GROUPS, 0, "u1", 0, 0, 0, "DELETE /api/hubs/chat/users/u1/groups?api-version=2024-12-01", 204},
    {WPS_REST_SIGNALR_REMOVE_USER_FROM_GROUP, "g1", "u1", 0, 0, 0, "DELETE /api/hubs/chat/users/u1/groups/g1?api-version=2024-12-01", 204},
    {WPS_REST_SIGNALR_CHECK_USER_EXISTENCE_IN_GROUP, "g1", "u1", 0, 0, 0, "HEAD /api/hubs/chat/users/u1/groups/g1?api-version=2024-12-01", 200},
    {WPS_REST_SIGNALR_ADD_USER_TO_GROUP, "g1", "u1", 0, 0, 0, "PUT /api/hubs/chat/users/u1/groups/g1?api-version=2024-12-01", 200},
};

static wps_slice opt_slice(const char *s) {
    wps_slice r;
    r.ptr = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

/* Builds op into buf; "METHOD url" into line; checks the JWT (aud == URL, exp - iat). */
static int rest_line(const wps_connection_string *cs, wps_rest_operation op, const wps_rest_params *p, char *line, size_t cap,
                     wps_rest_request *req, wps_status *st) {
    static char buf[16384];
    char claims[4096], want[4096];
    size_t need = 0;
    *st = wps_rest_build(cs, op, p, buf, sizeof buf, req, &need, NULL);
    if (*st != WPS_OK) return 1;
    if (need > sizeof buf || req->authorization.len < 7 || memcmp(req->authorization.ptr, "Bearer ", 7) != 0) return 0;
    if (!jwt_claims(req->authorization.ptr + 7, req->authorization.len - 7, K, claims, sizeof claims)) return 0;
    snprintf(want, sizeof want, "{\"aud\":\"%.*s\",\"iat\":%llu,\"exp\":%llu}", (int)req->url.len, req->url.ptr, (unsigned long long)p->now,
             (unsigned long long)(p->now + (p->token_seconds ? p->token_seconds : 3600)));
    if (strcmp(want, claims) != 0) return 0;
    snprintf(line, cap, "%s %.*s", req->method, (int)req->url.len, req->url.ptr);
    return 1;
}

/* Every operation: method, percent-encoded path, api-version, success status, and a JWT whose aud
   is the exact URL (docs/service-rules.md 3.1); minimal bodies where an operation needs one. */
/* P7 item 6: each operation carries its query parameters as data (WPS_REST_Q*), in the order its
   requests write them, which is the official SDKs' order (tests/service/rest_diff.mjs compares
   the bytes): e.g. GenerateClientToken writes userId, role, minutesToExpire, group, clientType
   (@azure/web-pubsub's getClientAccessToken), and SignalR's ListConnectionsInGroup puts
   application between top and continuationToken. */
TEST rest_operations_carry_their_query_parameters_in_order(void) {
    static const struct {
        wps_rest_operation op;
        const char *queries; /* their wire names joined with ' ' */
    } cases[] = {
        {WPS_REST_GET_SERVICE_STATUS, ""},
        {WPS_REST_CLOSE_ALL_CONNECTIONS, "excluded reason"},
        {WPS_REST_GENERATE_CLIENT_TOKEN, "userId role minutesToExpire group clientType"},
        {WPS_REST_SEND_TO_ALL, "excluded filter messageTtlSeconds"},
        {WPS_REST_LIST_CONNECTIONS_IN_GROUP, "maxpagesize top continuationToken"},
        {WPS_REST_REVOKE_PERMISSION, "targetName"},
    };
    size_t i;
    int op, signalr_list = 0;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got[160] = "";
        unsigned k;
        for (k = 0; wps_rest_operation_query(cases[i].op, k) != WPS_RQ_NONE; k++) {
            if (k) strcat(got, " ");
            strcat(got, wps_rest_query_name(wps_rest_operation_query(cases[i].op, k)));
        }
        ASSERT_STR_EQ(cases[i].queries, got);
    }
    /* every operation: at most five, each named, none twice; and one SignalR list with application third */
    for (op = 0; op < (int)WPS_REST_OPERATION_COUNT; op++) {
        unsigned k, j;
        char got[160] = "";
        for (k = 0; k < 5; k++) {
            wps_rest_query q = wps_rest_operation_query((wps_rest_operation)op, k);
            if (q == WPS_RQ_NONE) break;
            ASSERT(wps_rest_query_name(q)[0] != 0);
            for (j = 0; j < k; j++) ASSERT(wps_rest_operation_query((wps_rest_operation)op, j) != q);
            if (k) strcat(got, " ");
            strcat(got, wps_rest_query_name(q));
        }
        ASSERT_EQ(WPS_RQ_NONE, wps_rest_operation_query((wps_rest_operation)op, 5));
        if (wps_rest_operation_service((wps_rest_operation)op) == WPS_SERVICE_SIGNALR && strcmp(got, "maxpagesize top application continuationToken") == 0)
            signalr_list++;
    }
    ASSERT_EQ(1, signalr_list);
    ASSERT_EQ(WPS_RQ_NONE, wps_rest_operation_query(WPS_REST_OPERATION_COUNT, 0));
    ASSERT_STR_EQ("", wps_rest_query_name(WPS_RQ_NONE));
    ASSERT_STR_EQ("", wps_rest_query_name(WPS_RQ_COUNT));
    ASSERT_STR_EQ("messageTtlSeconds", wps_rest_query_name(WPS_RQ_MESSAGE_TTL_SECONDS));
    PASS();
}

TEST rest_every_operation(void) {
    wps_connection_string cs;
    size_t i;
    static const char base[] = "https://demo.webpubsub.azure.com";
    wps_slice groups[1];
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(REST_CS, sizeof REST_CS - 1, &cs, NULL));
    ASSERT_EQ((size_t)WPS_REST_OPERATION_COUNT, sizeof rest_cases / sizeof rest_cases[0]);
    groups[0] = wps_slice_from_cstr("g1");
    for (i = 0; i < sizeof rest_cases / sizeof rest_cases[0]; i++) {
        const rest_case *c = &rest_cases[i];
        wps_rest_params p;
        wps_rest_request req;
        wps_status st;
        char line[4096], want[4096];
        wps_rest_operation found;
        const char *name = wps_rest_operation_name(c->op);
        ASSERT_EQm(name, (int)i, (int)c->op);
        memset(&p, 0, sizeof p);
        p.now = 1700000000;
        if (strstr(c->expect, "/hubs/")) p.hub = wps_slice_from_cstr("Chat"); /* SignalR lowercases the hub */
        if (wps_rest_operation_service(c->op) == WPS_SERVICE_WEBPUBSUB) p.hub = wps_slice_from_cstr("chat");
        if (!strstr(c->expect, "/hubs/")) p.hub.ptr = NULL;
        p.group = opt_slice(c->group);
        p.user_id = opt_slice(c->user);
        p.connection_id = opt_slice(c->conn);
        p.permission = opt_slice(c->perm);
        p.stream_id = opt_slice(c->stream);
        if (c->op == WPS_REST_ADD_CONNECTIONS_TO_GROUPS || c->op == WPS_REST_REMOVE_CONNECTIONS_FROM_GROUPS) {
            p.groups = groups;
            p.group_count = 1;
        }
        if (strstr(c->expect, ":send") || strstr(c->expect, ":invoke")) p.target = wps_slice_from_cstr("m");
        if (wps_rest_operation_service(c->op) == WPS_SERVICE_WEBPUBSUB || c->op == WPS_REST_SIGNALR_SEND_TO_CONNECTION_STREAM) p.target.ptr = NULL;
        if (c->op == WPS_REST_SIGNALR_EXECUTE) p.body = wps_slice_from_cstr("[{\"type\":\"CloseConnection\"}]");
        ASSERTm(name, rest_line(&cs, c->op, &p, line, sizeof line, &req, &st));
        ASSERT_EQm(name, WPS_OK, st);
        snprintf(want, sizeof want, "%.*s%s%s", (int)(strchr(c->expect, ' ') - c->expect + 1), c->expect, base, strchr(c->expect, ' ') + 1);
        ASSERT_STR_EQm(name, want, line);
        ASSERT_EQm(name, c->ok, (unsigned)req.success_status);
        /* the name finds the operation back, in any case */
        {
            char lower[64];
            size_t k;
            for (k = 0; name[k] && k < sizeof lower - 1; k++) lower[k] = (char)tolower((unsigned char)name[k]);
            lower[k] = 0;
            ASSERTm(name, wps_rest_operation_find(wps_rest_operation_service(c->op), lower, k, &found));
            ASSERT_EQm(name, (int)c->op, (int)found);
        }
    }
    PASS();
}

/* Query parameters: api-version first, the operation's parameters in its order, arrays repeated,
   values percent-encoded (docs/service-rules.md 3.3 and vector #8); bodies and content types. */
TEST rest_query_and_bodies(void) {
    wps_connection_string cs;
    wps_rest_params p;
    wps_rest_request req;
    wps_status st;
    char line[4096];
    wps_slice ex[2], roles[2], groups[2];
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(REST_CS, sizeof REST_CS - 1, &cs, NULL));
    ex[0] = wps_slice_from_cstr("c 1");
    ex[1] = wps_slice_from_cstr("c&2");
    /* vector 8: generateToken userId foo, roles a b, 1 minute */
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("chat");
    roles[0] = wps_slice_from_cstr("a");
    roles[1] = wps_slice_from_cstr("b");
    p.user_id = wps_slice_from_cstr("foo");
    p.roles = roles;
    p.role_count = 2;
    p.minutes_to_expire = 1;
    groups[0] = wps_slice_from_cstr("g 1");
    groups[1] = wps_slice_from_cstr("\xc3\xa9");
    p.groups = groups;
    p.group_count = 2;
    p.client_type = wps_slice_from_cstr("MQTT");
    ASSERT(rest_line(&cs, WPS_REST_GENERATE_CLIENT_TOKEN, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("POST https://demo.webpubsub.azure.com/api/hubs/chat/:generateToken?api-version=2024-12-01&userId=foo&role=a&role=b"
                  "&minutesToExpire=1&group=g%201&group=%C3%A9&clientType=MQTT",
                  line);
    ASSERT_FALSE(req.has_body);
    /* send to a group: path segment encoding, excluded repeated, OData filter, TTL, raw body */
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("chat");
    p.group = wps_slice_from_cstr("a/b?c#d%e+f 'g'");
    p.excluded = ex;
    p.excluded_count = 2;
    p.filter = wps_slice_from_cstr("userId eq 'it''s'");
    p.has_message_ttl = true;
    p.message_ttl_seconds = 0;
    p.body = wps_slice_make("\x00\x01", 2);
    ASSERT(rest_line(&cs, WPS_REST_SEND_TO_GROUP, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("POST https://demo.webpubsub.azure.com/api/hubs/chat/groups/a%2Fb%3Fc%23d%25e%2Bf%20%27g%27/:send?api-version=2024-12-01"
                  "&excluded=c%201&excluded=c%262&filter=userId%20eq%20%27it%27%27s%27&messageTtlSeconds=0",
                  line);
    ASSERT(req.has_body);
    ASSERT_EQ(2u, (unsigned)req.body.len);
    ASSERT(req.body.ptr == p.body.ptr); /* the caller's bytes, not copied */
    ASSERT_EQ(0, strncmp("application/octet-stream", req.content_type.ptr, req.content_type.len));
    p.content_type = wps_slice_from_cstr("text/plain; charset=utf-8");
    ASSERT(rest_line(&cs, WPS_REST_SEND_TO_GROUP, &p, line, sizeof line, &req, &st));
    ASSERT_EQ(0, strncmp("text/plain; charset=utf-8", req.content_type.ptr, req.content_type.len));
    /* :addToGroups: a JSON body with groups and the filter, escaped */
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("chat");
    groups[0] = wps_slice_from_cstr("g\"1");
    p.groups = groups;
    p.group_count = 2;
    p.filter = wps_slice_from_cstr("userId ne 'x'");
    ASSERT(rest_line(&cs, WPS_REST_ADD_CONNECTIONS_TO_GROUPS, &p, line, sizeof line, &req, &st));
    ASSERT_EQ(0, strncmp("{\"groups\":[\"g\\\"1\",\"\xc3\xa9\"],\"filter\":\"userId ne 'x'\"}", req.body.ptr, req.body.len));
    ASSERT_EQ(0, strncmp("application/json", req.content_type.ptr, req.content_type.len));
    /* close with a reason; list with paging parameters */
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("chat");
    p.reason = wps_slice_from_cstr("bye & thanks");
    p.excluded = ex;
    p.excluded_count = 1;
    ASSERT(rest_line(&cs, WPS_REST_CLOSE_ALL_CONNECTIONS, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("POST https://demo.webpubsub.azure.com/api/hubs/chat/:closeConnections?api-version=2024-12-01&excluded=c%201&reason=bye%20%26%20thanks",
                  line);
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("chat");
    p.group = wps_slice_from_cstr("g");
    p.max_page_size = 200;
    p.top = 1;
    p.continuation_token = wps_slice_from_cstr("t+/=");
    ASSERT(rest_line(&cs, WPS_REST_LIST_CONNECTIONS_IN_GROUP, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("GET https://demo.webpubsub.azure.com/api/hubs/chat/groups/g/connections?api-version=2024-12-01&maxpagesize=200&top=1"
                  "&continuationToken=t%2B%2F%3D",
                  line);
    /* the next page: a GET of the service's nextLink, signed for that URL */
    memset(&p, 0, sizeof p);
    p.next_link = wps_slice_from_cstr("https://demo.webpubsub.azure.com/api/hubs/chat/groups/g/connections?api-version=2024-12-01&continuationToken=abc");
    ASSERT(rest_line(&cs, WPS_REST_LIST_CONNECTIONS_IN_GROUP, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("GET https://demo.webpubsub.azure.com/api/hubs/chat/groups/g/connections?api-version=2024-12-01&continuationToken=abc", line);
    p.next_link = wps_slice_from_cstr("https://evil.example/api/hubs/chat/groups/g/connections");
    ASSERT(rest_line(&cs, WPS_REST_LIST_CONNECTIONS_IN_GROUP, &p, line, sizeof line, &req, &st));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, st); /* a token is never signed for another host */
    /* permissions with targetName; api-version of seed 001 (2021-08-01-preview) and none at all */
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("chat");
    p.connection_id = wps_slice_from_cstr("c");
    p.permission = wps_slice_from_cstr("sendToGroup");
    p.target_name = wps_slice_from_cstr("g 1");
    p.api_version = wps_slice_from_cstr("2021-08-01-preview");
    ASSERT(rest_line(&cs, WPS_REST_GRANT_PERMISSION, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("PUT https://demo.webpubsub.azure.com/api/hubs/chat/permissions/sendToGroup/connections/c?api-version=2021-08-01-preview&targetName=g%201",
                  line);
    p.api_version = wps_slice_make("", 0);
    ASSERT(rest_line(&cs, WPS_REST_GRANT_PERMISSION, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("PUT https://demo.webpubsub.azure.com/api/hubs/chat/permissions/sendToGroup/connections/c?targetName=g%201", line);
    PASS();
}

/* SignalR: lowercased hub and application, PayloadMessage bodies, :execute commands, stream and
   user-group ttl parameters, the v1 path form, ServerEndpoint (docs/service-rules.md 3.4). */
TEST rest_signalr(void) {
    static const char scs[] = "Endpoint=https://sr.service.signalr.net;AccessKey=" K ";Version=1.0;";
    wps_connection_string cs;
    wps_rest_params p;
    wps_rest_request req;
    wps_status st;
    char line[4096];
    wps_signalr_command cmds[4];
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(scs, sizeof scs - 1, &cs, NULL));
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("ChatHub");
    p.application = wps_slice_from_cstr("MyApp");
    p.group = wps_slice_from_cstr("G 1");
    p.target = wps_slice_from_cstr("newMessage");
    p.arguments = wps_slice_from_cstr(" [\"hi\", {\"n\":1}] ");
    ASSERT(rest_line(&cs, WPS_REST_SIGNALR_GROUP_BROADCAST, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("POST https://sr.service.signalr.net/api/hubs/chathub/groups/G%201/:send?api-version=2024-12-01&application=myapp", line);
    ASSERT_EQ(0, strncmp("{\"target\":\"newMessage\",\"arguments\": [\"hi\", {\"n\":1}] }", req.body.ptr, req.body.len));
    ASSERT_EQ(0, strncmp("application/json", req.content_type.ptr, req.content_type.len));
    p.arguments = wps_slice_from_cstr("{\"not\":\"an array\"}");
    ASSERT(rest_line(&cs, WPS_REST_SIGNALR_GROUP_BROADCAST, &p, line, sizeof line, &req, &st));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, st);
    p.arguments = wps_slice_from_cstr("[1,");
    ASSERT(rest_line(&cs, WPS_REST_SIGNALR_GROUP_BROADCAST, &p, line, sizeof line, &req, &st));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, st);
    /* :execute with every command kind */
    memset(&p, 0, sizeof p);
    memset(cmds, 0, sizeof cmds);
    p.hub = wps_slice_from_cstr("hub");
    p.filter = wps_slice_from_cstr("'vip' in groups");
    cmds[0].kind = WPS_SIGNALR_SEND_MESSAGE;
    cmds[0].target = wps_slice_from_cstr("t");
    cmds[1].kind = WPS_SIGNALR_JOIN_GROUP;
    cmds[1].group = wps_slice_from_cstr("a");
    cmds[2].kind = WPS_SIGNALR_LEAVE_GROUP;
    cmds[2].group = wps_slice_from_cstr("b");
    cmds[3].kind = WPS_SIGNALR_CLOSE_CONNECTION;
    cmds[3].reason = wps_slice_from_cstr("r");
    p.commands = cmds;
    p.command_count = 4;
    ASSERT(rest_line(&cs, WPS_REST_SIGNALR_EXECUTE, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("POST https://sr.service.signalr.net/api/hubs/hub/:execute?api-version=2024-12-01&filter=%27vip%27%20in%20groups", line);
    ASSERT_EQ(0, strncmp("[{\"type\":\"SendMessage\",\"message\":{\"target\":\"t\",\"arguments\":[]}},{\"type\":\"JoinGroup\",\"group\":\"a\"},"
                         "{\"type\":\"LeaveGroup\",\"group\":\"b\"},{\"type\":\"CloseConnection\",\"reason\":\"r\"}]",
                         req.body.ptr, req.body.len));
    /* stream item with completed=true; user-group ttl; v1 paths */
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("hub");
    p.connection_id = wps_slice_from_cstr("c");
    p.stream_id = wps_slice_from_cstr("s");
    p.has_completed = true;
    p.completed = true;
    p.body = wps_slice_from_cstr("item");
    ASSERT(rest_line(&cs, WPS_REST_SIGNALR_SEND_TO_CONNECTION_STREAM, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("POST https://sr.service.signalr.net/api/hubs/hub/connections/c/streams/s/:send?api-version=2024-12-01&completed=true", line);
    memset(&p, 0, sizeof p);
    p.hub = wps_slice_from_cstr("hub");
    p.user_id = wps_slice_from_cstr("u");
    p.group = wps_slice_from_cstr("g");
    p.has_ttl = true;
    p.ttl = 0; /* 0: only the user's current connections */
    ASSERT(rest_line(&cs, WPS_REST_SIGNALR_ADD_USER_TO_GROUP, &p, line, sizeof line, &req, &st));
    ASSERT_STR_EQ("PUT https://sr.service.signalr.net/api/hubs/hub/users/u/groups/g?api-version=2024-12-01&ttl=0", line);
    p.api_version = wps_slice_from_cstr("1.0"); /* the v1 family has other paths: refused, not half-built */
    ASSERT(rest_line(&cs, WPS_REST_SIGNALR_ADD_USER_TO_GROUP, &p, line, sizeof line, &req, &st));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, st);
    /* ServerEndpoint is where REST calls go */
    {
        static const char c2[] = "Endpoint=https://sr.service.signalr.net;AccessKey=" K ";Version=1.0;ServerEndpoint=https://internal.example:8443;";
        ASSERT_EQ(WPS_OK, wps_connection_string_parse(c2, sizeof c2 - 1, &cs, NULL));
        memset(&p, 0, sizeof p);
        ASSERT(rest_line(&cs, WPS_REST_SIGNALR_GET_ACCESS_KEY, &p, line, sizeof line, &req, &st));
        ASSERT_STR_EQ("GET https://internal.example:8443/api/auth/accessKey?api-version=2024-12-01", line);
    }
    /* the convenience names */
    {
        wps_rest_operation op;
        ASSERT(wps_rest_operation_find(WPS_SERVICE_SIGNALR, "SendToGroup", 11, &op));
        ASSERT_EQ((int)WPS_REST_SIGNALR_GROUP_BROADCAST, (int)op);
        ASSERT(wps_rest_operation_find(WPS_SERVICE_SIGNALR, "SignalR_CloseConnections", 24, &op));
        ASSERT_EQ((int)WPS_REST_SIGNALR_CLOSE_CONNECTIONS, (int)op);
        ASSERT_FALSE(wps_rest_operation_find(WPS_SERVICE_WEBPUBSUB, "Broadcast", 9, &op));
        ASSERT_FALSE(wps_rest_operation_find(WPS_SERVICE_WEBPUBSUB, "SendToGroupX", 12, &op));
    }
    PASS();
}

/* Everything is validated before anything is built (docs/service-rules.md 3.3 patterns and ranges). */
typedef struct rest_bad_case {
    const char *what;
    wps_rest_operation op;
    const char *hub, *group, *user, *conn, *perm;
    int field; /* which extra to set: see below */
    const char *key; /* expected start of the reason */
} rest_bad_case;

TEST rest_validation(void) {
    static const rest_bad_case cases[] = {
        {"hub starting with a digit", WPS_REST_SEND_TO_ALL, "1hub", 0, 0, 0, 0, 0, "hub"},
        {"hub with a space", WPS_REST_SEND_TO_ALL, "a b", 0, 0, 0, 0, 0, "hub"},
        {"hub of 129 characters", WPS_REST_SEND_TO_ALL, "h12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678", 0, 0, 0, 0, 0, "hub"},
        {"missing hub", WPS_REST_SEND_TO_ALL, 0, 0, 0, 0, 0, 0, "hub"},
        {"empty group", WPS_REST_SEND_TO_GROUP, "h", "", 0, 0, 0, 0, "group"},
        {"whitespace group", WPS_REST_SEND_TO_GROUP, "h", "  \t", 0, 0, 0, 0, "group"},
        {"group with a line break", WPS_REST_SEND_TO_GROUP, "h", "a\nb", 0, 0, 0, 0, "group"},
        {"group over 1024 bytes", WPS_REST_SEND_TO_GROUP, "h", 0, 0, 0, 0, 1, "group"},
        {"group not UTF-8", WPS_REST_SEND_TO_GROUP, "h", "\xff", 0, 0, 0, 0, "group"},
        {"empty user", WPS_REST_SEND_TO_USER, "h", 0, "", 0, 0, 0, "userId"},
        {"empty connection", WPS_REST_CLOSE_CONNECTION, "h", 0, 0, "", 0, 0, "connectionId"},
        {"unknown permission", WPS_REST_GRANT_PERMISSION, "h", 0, 0, "c", "admin", 0, "permission"},
        {"messageTtlSeconds 301", WPS_REST_SEND_TO_ALL, "h", 0, 0, 0, 0, 2, "messageTtlSeconds"},
        {"maxpagesize 201", WPS_REST_LIST_CONNECTIONS_IN_GROUP, "h", "g", 0, 0, 0, 3, "maxpagesize"},
        {"top over int32", WPS_REST_LIST_CONNECTIONS_IN_GROUP, "h", "g", 0, 0, 0, 4, "top"},
        {"filter on CloseConnection", WPS_REST_CLOSE_CONNECTION, "h", 0, 0, "c", 0, 5, "filter"},
        {"clientType socketio", WPS_REST_GENERATE_CLIENT_TOKEN, "h", 0, 0, 0, 0, 6, "clientType"},
        {"Content-Type image/png", WPS_REST_SEND_TO_ALL, "h", 0, 0, 0, 0, 7, "Content-Type"},
        {"Content-Type with CRLF", WPS_REST_SEND_TO_ALL, "h", 0, 0, 0, 0, 8, "Content-Type"},
        {"empty excluded id", WPS_REST_SEND_TO_ALL, "h", 0, 0, 0, 0, 9, "excluded"},
        {"no groups for addToGroups", WPS_REST_ADD_CONNECTIONS_TO_GROUPS, "h", 0, 0, 0, 0, 0, "groups"},
        {"body on a HEAD", WPS_REST_GROUP_EXISTS, "h", "g", 0, 0, 0, 10, "body"},
        {"SignalR payload without target", WPS_REST_SIGNALR_BROADCAST, "h", 0, 0, 0, 0, 0, "target"},
        {"ttl on Web PubSub AddUserToGroup", WPS_REST_ADD_USER_TO_GROUP, "h", "g", "u", 0, 0, 11, "ttl"},
        {"api-version with a space", WPS_REST_SEND_TO_ALL, "h", 0, 0, 0, 0, 12, "api-version"},
        {"group \"..\" (a dot segment)", WPS_REST_REMOVE_CONNECTION_FROM_GROUP, "h", "..", 0, "c", 0, 0, "group"},
        {"user \".\" (a dot segment)", WPS_REST_REMOVE_USER_FROM_ALL_GROUPS, "h", 0, ".", 0, 0, 0, "path"},
    };
    wps_connection_string cs;
    static char big[1100];
    size_t i;
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(REST_CS, sizeof REST_CS - 1, &cs, NULL));
    memset(big, 'g', sizeof big - 1);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const rest_bad_case *c = &cases[i];
        wps_rest_params p;
        wps_rest_request req;
        wps_diag d;
        wps_slice one;
        char buf[4096];
        size_t need = 123;
        memset(&p, 0, sizeof p);
        memset(buf, 0x55, sizeof buf);
        p.hub = opt_slice(c->hub);
        p.group = opt_slice(c->group);
        p.user_id = opt_slice(c->user);
        p.connection_id = opt_slice(c->conn);
        p.permission = opt_slice(c->perm);
        one = wps_slice_from_cstr("");
        switch (c->field) {
        case 1: p.group = wps_slice_make(big, 1025); break;
        case 2: p.has_message_ttl = true, p.message_ttl_seconds = 301; break;
        case 3: p.max_page_size = 201; break;
        case 4: p.top = 2147483648u; break;
        case 5: p.filter = wps_slice_from_cstr("userId eq 'a'"); break;
        case 6: p.client_type = wps_slice_from_cstr("socketio"); break;
        case 7: p.content_type = wps_slice_from_cstr("image/png"); break;
        case 8: p.content_type = wps_slice_from_cstr("text/plain\r\nX-Evil: 1"); break;
        case 9: p.excluded = &one, p.excluded_count = 1; break;
        case 10: p.body = wps_slice_from_cstr("x"); break;
        case 11: p.has_ttl = true; break;
        case 12: p.api_version = wps_slice_from_cstr("2024-12-01 x"); break;
        default: break;
        }
        ASSERT_EQm(c->what, WPS_ERR_INVALID_ARGUMENT, wps_rest_build(&cs, c->op, &p, buf, sizeof buf, &req, &need, &d));
        ASSERT_EQm(c->what, 0u, (unsigned)need);
        ASSERT_EQm(c->what, 0, strncmp(c->key, d.reason, strlen(c->key)));
        ASSERT_EQm(c->what, 0x55, (unsigned char)buf[0]); /* nothing built */
    }
    /* a group of exactly 1024 bytes is fine */
    {
        wps_rest_params p;
        wps_rest_request req;
        static char buf[8192];
        size_t need = 0;
        memset(&p, 0, sizeof p);
        p.hub = wps_slice_from_cstr("h");
        p.group = wps_slice_make(big, 1024);
        ASSERT_EQ(WPS_OK, wps_rest_build(&cs, WPS_REST_GROUP_EXISTS, &p, buf, sizeof buf, &req, &need, NULL));
        /* the size is known before writing, and a buffer one byte short is refused untouched */
        ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_rest_build(&cs, WPS_REST_GROUP_EXISTS, &p, NULL, 0, &req, &need, NULL));
        ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_rest_build(&cs, WPS_REST_GROUP_EXISTS, &p, buf, need - 1, &req, &need, NULL));
        ASSERT_EQ(WPS_OK, wps_rest_build(&cs, WPS_REST_GROUP_EXISTS, &p, buf, need, &req, &need, NULL));
    }
    PASS();
}

/* The JSON responses that carry data (docs/service-rules.md 3.3/3.4). */
TEST rest_responses(void) {
    char scratch[256];
    wps_slice tok, link, a, b;
    wps_group_member m[2];
    size_t n = 0;
    wps_rest_error e;
    wps_signalr_service_response sr;
    wps_diag d;
    static const char t1[] = " {\"token\":\"eyJ.a\\/b.c\"} ";
    static const char page[] = "{\"value\":[{\"connectionId\":\"c1\",\"userId\":\"u1\"},{\"connectionId\":\"c2\",\"userId\":null}],"
                               "\"nextLink\":\"/api/hubs/h/groups/g/connections?continuationToken=x\"}";
    static const char err[] = "{\"code\":\"InvalidArgument\",\"message\":\"bad \\\"hub\\\"\",\"target\":\"hub\",\"details\":[{\"code\":\"a\"},{}],"
                              "\"inner\":{\"code\":\"Outer\",\"inner\":{\"code\":\"Innermost\"}}}";
    static const char svc[] = "{\"statusCode\":404,\"code\":\"Warning.Connection.NotExisted\",\"level\":\"Warning\",\"scope\":\"Connection\","
                              "\"errorKind\":\"NotExisted\",\"message\":\"m\",\"jsonObject\":{\"x\":[1]},\"isSuccess\":false}";
    static const char inv[] = "{\"result\":[1,{\"a\":null}],\"protocol\":\"json\"}";
    static const char key[] = "{\"AccessKey\":\"k\",\"KeyId\":\"id\"}";
    ASSERT_EQ(WPS_OK, wps_rest_parse_token(t1, sizeof t1 - 1, scratch, sizeof scratch, &tok, &d));
    ASSERT_EQ(0, strncmp("eyJ.a/b.c", tok.ptr, tok.len));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_rest_parse_token(t1, sizeof t1 - 1, NULL, 0, &tok, &d)); /* the escape needs scratch */
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_rest_parse_token("{}", 2, NULL, 0, &tok, &d));
    ASSERT_EQ(WPS_ERR_TYPE_MISMATCH, wps_rest_parse_token("{\"token\":1}", 11, NULL, 0, &tok, &d));
    ASSERT_EQ(WPS_ERR_TRAILING, wps_rest_parse_token("{\"token\":\"a\"}x", 14, NULL, 0, &tok, &d));
    ASSERT_EQ(WPS_ERR_SYNTAX, wps_rest_parse_token("{\"token\":\"a\"", 12, NULL, 0, &tok, &d));
    ASSERT_EQ(WPS_OK, wps_rest_parse_group_members(page, sizeof page - 1, NULL, 0, m, 2, &n, &link, &d));
    ASSERT_EQ(2u, (unsigned)n);
    ASSERT_EQ(0, strncmp("c1", m[0].connection_id.ptr, 2));
    ASSERT_EQ(0, strncmp("u1", m[0].user_id.ptr, 2));
    ASSERT(m[1].user_id.ptr == NULL);
    ASSERT_EQ(0, strncmp("/api/hubs/h/groups/g/connections?continuationToken=x", link.ptr, link.len));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_rest_parse_group_members(page, sizeof page - 1, NULL, 0, m, 1, &n, &link, &d));
    ASSERT_EQ(2u, (unsigned)n);
    ASSERT_EQ(WPS_OK, wps_rest_parse_group_members("{\"value\":[]}", 12, NULL, 0, m, 2, &n, &link, &d));
    ASSERT(n == 0 && link.ptr == NULL);
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_rest_parse_group_members("{\"value\":[{\"userId\":\"u\"}]}", 26, NULL, 0, m, 2, &n, &link, &d));
    ASSERT_EQ(WPS_OK, wps_rest_parse_error(err, sizeof err - 1, scratch, sizeof scratch, &e, &d));
    ASSERT_EQ(0, strncmp("InvalidArgument", e.code.ptr, e.code.len));
    ASSERT_EQ(0, strncmp("bad \"hub\"", e.message.ptr, e.message.len));
    ASSERT_EQ(0, strncmp("Innermost", e.inner_code.ptr, e.inner_code.len));
    ASSERT_EQ(2u, (unsigned)e.detail_count);
    ASSERT_EQ(WPS_OK, wps_signalr_parse_service_response(svc, sizeof svc - 1, NULL, 0, &sr, &d));
    ASSERT_EQ(404u, sr.status_code);
    ASSERT_EQ(0, strncmp("NotExisted", sr.error_kind.ptr, sr.error_kind.len));
    ASSERT_EQ(0, strncmp("{\"x\":[1]}", sr.json_object.ptr, sr.json_object.len));
    ASSERT(sr.has_is_success && !sr.is_success);
    ASSERT_EQ(WPS_OK, wps_signalr_parse_invoke_result(inv, sizeof inv - 1, NULL, 0, &a, &b, &d));
    ASSERT_EQ(0, strncmp("[1,{\"a\":null}]", a.ptr, a.len));
    ASSERT_EQ(0, strncmp("json", b.ptr, b.len));
    ASSERT_EQ(WPS_OK, wps_signalr_parse_access_key(key, sizeof key - 1, NULL, 0, &a, &b, &d));
    ASSERT(a.len == 1 && b.len == 2);
    ASSERT_EQ(WPS_ERR_EMPTY, wps_rest_parse_error("", 0, NULL, 0, &e, &d));
    /* the :addToGroups body as a service reads it (the emulator) */
    {
        static union {
            void *align;
            char bytes[256];
        } mem;
        static const char req[] = "{\"groups\":[\"a\",\"b\\u0021\"],\"filter\":\"userId eq 'x'\"}";
        const wps_slice *g = NULL;
        size_t gn = 0, need = 0;
        wps_slice f;
        ASSERT_EQ(WPS_OK, wps_rest_parse_groups_request(req, sizeof req - 1, mem.bytes, sizeof mem.bytes, &g, &gn, &f, &need, &d));
        ASSERT(gn == 2 && g[1].len == 2 && memcmp(g[1].ptr, "b!", 2) == 0 && f.len == 13);
        ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_rest_parse_groups_request("{\"filter\":\"x\"}", 14, mem.bytes, sizeof mem.bytes, &g, &gn, &f, &need, &d));
    }
    ASSERT_EQ(WPS_ERR_UTF8, wps_rest_parse_error("{\"code\":\"\xff\"}", 12, NULL, 0, &e, &d));
    PASS();
}

/* ------------------------------------------------------------------ webhooks (docs/service-rules.md 4) */

static int slice_is(wps_slice s, const char *c) { return s.ptr && s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0; }

/* A webhook request of docs/service-rules.md vector #1 (key and connection id) with one key. */
static void vector1_options(wps_webhook_request_options *o, wps_slice *key) {
    memset(o, 0, sizeof *o);
    *key = wps_slice_from_cstr("7aab239577fd4f24bc919802fb629f5f");
    o->kind = WPS_WEBHOOK_CONNECT;
    o->hub = wps_slice_from_cstr("hub");
    o->connection_id = wps_slice_from_cstr("0f9c97a2f0bf4706afe87a14e0797b11");
    o->id = wps_slice_from_cstr("1");
    o->time = wps_slice_from_cstr("2021-01-01T00:00:00Z");
    o->origin = wps_slice_from_cstr("my-host.webpubsub.net");
    o->keys = key;
    o->key_count = 1;
}

typedef struct hdr_case {
    const char *what;
    const char *drop;      /* header left out */
    const char *dup;       /* header given twice */
    const char *ctype;     /* Content-Type */
    const char *type;      /* ce-type */
    wps_status status;
    unsigned reject;       /* wps_webhook_accept's status */
    int wrong_key, wrong_hub, wrong_origin;
} hdr_case;

/* Builds a request with wps_webhook_request_headers (vector #1 key and connection id), alters it,
   and runs wps_webhook_accept on it. */
static wps_status accept_case(const hdr_case *c, wps_webhook_event *e, uint16_t *status, wps_diag *d) {
    static wps_slice keys[2];
    wps_slice origins[1];
    wps_webhook_request_options o;
    wps_webhook_options opt;
    static wps_http_header h[24], out[24];
    static char buf[512]; /* the event's slices point here */
    size_t n = 0, m = 0, need = 0, i;
    vector1_options(&o, &keys[0]);
    keys[1] = wps_slice_from_cstr("second");
    o.kind = WPS_WEBHOOK_USER_EVENT;
    o.event_name = wps_slice_from_cstr("message");
    o.hub = wps_slice_from_cstr("Chat");
    o.user_id = wps_slice_from_cstr("u");
    o.data_type = WPS_DATA_TEXT;
    if (wps_webhook_request_headers(&o, h, 24, &n, buf, sizeof buf, &need, d) != WPS_OK) return WPS_ERR_INVALID_ARGUMENT;
    for (i = 0; i < n; i++) {
        if (c->drop && slice_is(h[i].name, c->drop)) continue;
        out[m] = h[i];
        if (c->ctype && slice_is(h[i].name, "Content-Type")) out[m].value = wps_slice_from_cstr(c->ctype);
        if (c->type && slice_is(h[i].name, "ce-type")) out[m].value = wps_slice_from_cstr(c->type);
        m++;
        if (c->dup && slice_is(h[i].name, c->dup)) out[m++] = h[i];
    }
    memset(&opt, 0, sizeof opt);
    opt.hub = wps_slice_from_cstr(c->wrong_hub ? "other" : "chat"); /* case-insensitive */
    opt.keys = c->wrong_key ? keys + 1 : keys;
    opt.key_count = 1;
    origins[0] = wps_slice_from_cstr(c->wrong_origin ? "other.example" : "MY-HOST.webpubsub.net");
    opt.allowed_origins = origins;
    opt.allowed_origin_count = 1;
    return wps_webhook_accept(&opt, out, m, e, status, d);
}

/* docs/service-rules.md 4.1, 4.2, 7: the headers a webhook POST needs and the codes of its rejections. */
TEST webhook_request_checks(void) {
    static const hdr_case cases[] = {
        {"a valid user event (vector #1 signature)", 0, 0, 0, 0, WPS_OK, 0, 0, 0, 0},
        {"missing ce-awpsversion", "ce-awpsversion", 0, 0, 0, WPS_ERR_MISSING_FIELD, 400, 0, 0, 0},
        {"missing ce-hub", "ce-hub", 0, 0, 0, WPS_ERR_MISSING_FIELD, 400, 0, 0, 0},
        {"missing ce-connectionId", "ce-connectionId", 0, 0, 0, WPS_ERR_MISSING_FIELD, 400, 0, 0, 0},
        {"missing ce-eventName", "ce-eventName", 0, 0, 0, WPS_ERR_MISSING_FIELD, 400, 0, 0, 0},
        {"missing ce-type", "ce-type", 0, 0, 0, WPS_ERR_MISSING_FIELD, 400, 0, 0, 0},
        {"two ce-userId headers", 0, "ce-userId", 0, 0, WPS_ERR_DUPLICATE_KEY, 400, 0, 0, 0},
        {"a foreign ce-type", 0, 0, 0, "com.example.event", WPS_ERR_INVALID_MESSAGE, 400, 0, 0, 0},
        {"an unsupported user Content-Type", 0, 0, "image/png", 0, WPS_ERR_UNSUPPORTED, 400, 0, 0, 0},
        {"another hub", 0, 0, 0, 0, WPS_ERR_WRONG_HUB, 400, 0, 1, 0},
        {"another origin", 0, 0, 0, 0, WPS_ERR_ORIGIN, 400, 0, 0, 1},
        {"a signature of another key", 0, 0, 0, 0, WPS_ERR_SIGNATURE, 401, 1, 0, 0},
        {"no signature with a key configured (fail closed)", "ce-signature", 0, 0, 0, WPS_ERR_SIGNATURE, 401, 0, 0, 0},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_event e;
        uint16_t status = 999;
        wps_diag d;
        ASSERT_EQm(cases[i].what, cases[i].status, accept_case(&cases[i], &e, &status, &d));
        ASSERT_EQm(cases[i].what, cases[i].reject, (unsigned)status);
        if (cases[i].status == WPS_OK) {
            ASSERT_EQ(WPS_WEBHOOK_USER_EVENT, e.kind);
            ASSERT(slice_is(e.event_name, "message"));
            ASSERT(slice_is(e.user_id, "u"));
            ASSERT(slice_is(e.source, "/hubs/Chat/client/0f9c97a2f0bf4706afe87a14e0797b11"));
            ASSERT(slice_is(e.type, "azure.webpubsub.user.message"));
            ASSERT_EQ(WPS_DATA_TEXT, e.data_type);
            ASSERT(slice_is(e.signature, "sha256=7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab561"));
            ASSERT_FALSE(e.is_mqtt);
        } else {
            ASSERTm(cases[i].what, d.reason[0] != 0);
        }
    }
    PASS();
}

TEST webhook_kinds_and_data_types(void) {
    wps_http_header h[8];
    wps_webhook_event e;
    wps_data_type dt;
    static const struct {
        const char *type, *ctype;
        wps_webhook_kind kind;
        wps_data_type dt;
    } cases[] = {
        {"azure.webpubsub.sys.connect", "application/json; charset=utf-8", WPS_WEBHOOK_CONNECT, WPS_DATA_JSON},
        {"azure.webpubsub.sys.connected", "application/json", WPS_WEBHOOK_CONNECTED, WPS_DATA_JSON},
        {"azure.webpubsub.sys.disconnected", NULL, WPS_WEBHOOK_DISCONNECTED, WPS_DATA_JSON},
        {"azure.webpubsub.sys.gp.joined", NULL, WPS_WEBHOOK_OTHER_SYSTEM, WPS_DATA_JSON},
        {"azure.webpubsub.user.message", "text/plain; charset=utf-8", WPS_WEBHOOK_USER_EVENT, WPS_DATA_TEXT},
        {"azure.webpubsub.user.chat", "Application/JSON", WPS_WEBHOOK_USER_EVENT, WPS_DATA_JSON},
        {"azure.webpubsub.user.bin", "application/octet-stream", WPS_WEBHOOK_USER_EVENT, WPS_DATA_BINARY},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 0;
        h[n].name = wps_slice_from_cstr("CE-AWPSVERSION"), h[n++].value = wps_slice_from_cstr("1.0");
        h[n].name = wps_slice_from_cstr("ce-type"), h[n++].value = wps_slice_from_cstr(cases[i].type);
        h[n].name = wps_slice_from_cstr("ce-hub"), h[n++].value = wps_slice_from_cstr("h");
        h[n].name = wps_slice_from_cstr("ce-connectionid"), h[n++].value = wps_slice_from_cstr("c");
        h[n].name = wps_slice_from_cstr("ce-eventname"), h[n++].value = wps_slice_from_cstr("x");
        h[n].name = wps_slice_from_cstr("ce-subprotocol"), h[n++].value = wps_slice_from_cstr("mqtt");
        h[n].name = wps_slice_from_cstr("ce-physicalConnectionId"), h[n++].value = wps_slice_from_cstr("p");
        if (cases[i].ctype) h[n].name = wps_slice_from_cstr("content-type"), h[n++].value = wps_slice_from_cstr(cases[i].ctype);
        ASSERT_EQm(cases[i].type, WPS_OK, wps_webhook_parse(h, n, &e, NULL));
        ASSERT_EQm(cases[i].type, cases[i].kind, e.kind);
        if (cases[i].kind == WPS_WEBHOOK_USER_EVENT) ASSERT_EQm(cases[i].type, cases[i].dt, e.data_type);
        ASSERT(e.is_mqtt);
    }
    ASSERT_FALSE(wps_webhook_data_type(wps_slice_from_cstr("text/plainx"), &dt));
    ASSERT_FALSE(wps_webhook_data_type(wps_slice_from_cstr("application/x-msgpack"), &dt));
    PASS();
}

/* docs/service-rules.md 4.4: the connect body, zero-copy where possible, in the caller's memory. */
TEST webhook_connect_body(void) {
    static const char body[] =
        "{\"claims\":{\"sub\":[\"ddd\"],\"role\":[\"webpubsub.joinLeaveGroup\",\"webpubsub.sendToGroup\"],\"single\":\"s\",\"nul\":null},"
        "\"query\":{\"access_token\":[\"eyJ\\u0041\"]},\"headers\":{\"Host\":[\"h\"]},\"subprotocols\":[\"json.webpubsub.azure.v1\",\"p2\"],"
        "\"clientCertificates\":[{\"thumbprint\":\"ab\",\"content\":\"-----BEGIN\\nX\"}],"
        "\"mqtt\":{\"protocolVersion\":5,\"username\":\"u\",\"password\":\"cHc=\",\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"}]},\"extra\":[1]}";
    static union {
        void *align;
        char bytes[2048];
    } mem;
    wps_webhook_connect_request c;
    size_t need = 0, need2 = 0;
    wps_diag d;
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_connect(body, sizeof body - 1, NULL, 0, &c, &need, &d));
    ASSERT(need > 0 && need < sizeof mem.bytes);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_connect(body, sizeof body - 1, mem.bytes, need - 1, &c, &need2, &d));
    ASSERT_EQ(need, need2);
    ASSERT_EQ(WPS_OK, wps_webhook_parse_connect(body, sizeof body - 1, mem.bytes, need, &c, &need2, &d));
    ASSERT_EQ(4u, (unsigned)c.claim_count);
    ASSERT(slice_is(c.claims[0].name, "sub") && slice_is(c.claims[0].value, "ddd"));
    ASSERT(slice_is(c.claims[2].name, "role") && slice_is(c.claims[2].value, "webpubsub.sendToGroup"));
    ASSERT(slice_is(c.claims[3].name, "single") && slice_is(c.claims[3].value, "s"));
    ASSERT_EQ(1u, (unsigned)c.query_count);
    ASSERT(slice_is(c.query[0].value, "eyJA")); /* unescaped into mem */
    ASSERT(c.query[0].value.ptr >= mem.bytes && c.query[0].value.ptr < mem.bytes + need);
    ASSERT(c.claims[0].value.ptr > body && c.claims[0].value.ptr < body + sizeof body); /* the rest in place */
    ASSERT_EQ(2u, (unsigned)c.subprotocol_count);
    ASSERT(slice_is(c.subprotocols[1], "p2"));
    ASSERT_EQ(1u, (unsigned)c.client_certificate_count);
    ASSERT(slice_is(c.client_certificates[0].content, "-----BEGIN\nX"));
    ASSERT(c.has_mqtt && c.mqtt_protocol_version == 5 && slice_is(c.mqtt_password, "cHc="));
    ASSERT(c.mqtt_user_property_count == 1 && slice_is(c.mqtt_user_properties[0].value, "b"));
    /* bad bodies are errors with a reason */
    ASSERT_EQ(WPS_ERR_TYPE_MISMATCH, wps_webhook_parse_connect("{\"claims\":[1]}", 14, mem.bytes, sizeof mem.bytes, &c, &need, &d));
    ASSERT_EQ(WPS_ERR_TYPE_MISMATCH, wps_webhook_parse_connect("{\"subprotocols\":[1]}", 20, mem.bytes, sizeof mem.bytes, &c, &need, &d));
    ASSERT_EQ(WPS_ERR_SYNTAX, wps_webhook_parse_connect("{\"query\":{\"a\":[\"b\"}", 19, mem.bytes, sizeof mem.bytes, &c, &need, &d));
    ASSERT_EQ(WPS_ERR_EMPTY, wps_webhook_parse_connect("", 0, mem.bytes, sizeof mem.bytes, &c, &need, &d));
    ASSERT_EQ(WPS_OK, wps_webhook_parse_connect("{}", 2, NULL, 0, &c, &need, &d)); /* nothing to store: no memory needed */
    ASSERT_EQ(0u, (unsigned)c.claim_count);
    PASS();
}

TEST webhook_disconnected_body(void) {
    static const char body[] = "{\"reason\":\"gone\",\"mqtt\":{\"initiatedByClient\":true,\"disconnectPacket\":{\"code\":4,\"userProperties\":"
                               "[{\"name\":\"n\",\"value\":\"v\"}]}}}";
    static union {
        void *align;
        char bytes[512];
    } mem;
    wps_webhook_disconnected dc;
    size_t need = 0;
    ASSERT_EQ(WPS_OK, wps_webhook_parse_disconnected(body, sizeof body - 1, mem.bytes, sizeof mem.bytes, &dc, &need, NULL));
    ASSERT(slice_is(dc.reason, "gone"));
    ASSERT(dc.has_mqtt && dc.mqtt_initiated_by_client && dc.has_mqtt_disconnect_packet && dc.mqtt_reason_code == 4);
    ASSERT(dc.mqtt_user_property_count == 1 && slice_is(dc.mqtt_user_properties[0].name, "n"));
    ASSERT_EQ(WPS_OK, wps_webhook_parse_disconnected("{\"reason\":null}", 15, NULL, 0, &dc, &need, NULL));
    ASSERT(dc.reason.ptr == NULL && !dc.has_mqtt);
    PASS();
}

/* Vectors #9 and #10, and the MQTT code mapping of docs/service-rules.md 4.4 (both directions). */
TEST webhook_connect_responses(void) {
    wps_webhook_connect_result r, back;
    wps_slice groups[2], roles[1];
    wps_webhook_pair prop;
    char out[512];
    size_t n = 0, need = 0;
    static union {
        void *align;
        char bytes[512];
    } mem;
    static const struct {
        uint16_t http;
        uint32_t version, code;
    } to_code[] = {{401, 4, 5}, {401, 5, 135}, {400, 4, 4}, {400, 5, 134}, {500, 4, 3}, {500, 5, 0x80}, {403, 4, 3}, {403, 5, 0x80}};
    static const struct {
        uint32_t code;
        uint16_t http;
    } to_status[] = {{1, 400}, {2, 400}, {3, 503}, {4, 401}, {5, 401}, {0x86, 401}, {0x87, 401}, {0x8A, 403}, {0x97, 429}, {0x9F, 429},
                     {0x81, 400}, {0x84, 400}, {0x95, 400}, {0x88, 500}, {0x80, 500}};
    size_t i;
    memset(&r, 0, sizeof r);
    groups[0] = wps_slice_from_cstr("group1");
    groups[1] = wps_slice_from_cstr("group2");
    roles[0] = wps_slice_from_cstr("webpubsub.joinLeaveGroup");
    prop.name = wps_slice_from_cstr("a");
    prop.value = wps_slice_from_cstr("b");
    r.user_id = wps_slice_from_cstr("userId");
    r.groups = groups;
    r.group_count = 2;
    r.subprotocol = wps_slice_from_cstr("mqtt");
    r.roles = roles;
    r.role_count = 1;
    r.has_mqtt = true;
    r.mqtt_user_properties = &prop;
    r.mqtt_user_property_count = 1;
    ASSERT_EQ(WPS_OK, wps_webhook_connect_response(&r, out, sizeof out, &n, NULL));
    out[n] = 0;
    ASSERT_STR_EQ("{\"mqtt\":{\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"}]},\"userId\":\"userId\",\"groups\":[\"group1\",\"group2\"],"
                  "\"subprotocol\":\"mqtt\",\"roles\":[\"webpubsub.joinLeaveGroup\"]}",
                  out);
    ASSERT_EQ(WPS_OK, wps_webhook_parse_connect_response(out, n, mem.bytes, sizeof mem.bytes, &back, &need, NULL));
    ASSERT(slice_is(back.user_id, "userId") && back.group_count == 2 && back.role_count == 1 && back.has_mqtt);
    ASSERT(slice_is(back.groups[1], "group2") && back.mqtt_user_property_count == 1 && !back.has_mqtt_code);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_connect_response(&r, out, n - 1, &need, NULL));
    ASSERT_EQ(n, need);
    r.subprotocol = wps_slice_make("", 0);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_connect_response(&r, out, sizeof out, &n, NULL)); /* never empty */
    memset(&r, 0, sizeof r);
    ASSERT_EQ(WPS_OK, wps_webhook_connect_response(&r, out, sizeof out, &n, NULL));
    ASSERT_EQ(2u, (unsigned)n);
    /* vector 9: v3.1.1 Unauthorized 5, v5 135, BadUserNameOrPassword 4 / 134 */
    for (i = 0; i < sizeof to_code / sizeof to_code[0]; i++)
        ASSERT_EQ(to_code[i].code, wps_mqtt_connect_code(to_code[i].http, to_code[i].version));
    for (i = 0; i < sizeof to_status / sizeof to_status[0]; i++) ASSERT_EQ((unsigned)to_status[i].http, (unsigned)wps_mqtt_http_status(to_status[i].code));
    ASSERT_EQ(WPS_OK, wps_webhook_mqtt_error(wps_mqtt_connect_code(401, 5), wps_slice_from_cstr("error message"), &prop, 1, out, sizeof out, &n, NULL));
    out[n] = 0;
    ASSERT_STR_EQ("{\"mqtt\":{\"code\":135,\"reason\":\"error message\",\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"}]}}", out);
    ASSERT_EQ(WPS_OK, wps_webhook_parse_connect_response(out, n, mem.bytes, sizeof mem.bytes, &back, &need, NULL));
    ASSERT(back.has_mqtt_code && back.mqtt_code == 135 && slice_is(back.mqtt_reason, "error message"));
    PASS();
}

/* The request builder: every header of docs/service-rules.md 4.1, signatures per key, CR/LF refused. */
TEST webhook_request_builder(void) {
    wps_webhook_request_options o;
    wps_http_header h[20];
    wps_slice keys[1];
    char buf[256];
    size_t n = 0, need = 0;
    vector1_options(&o, &keys[0]);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_request_headers(&o, NULL, 0, &n, NULL, 0, &need, NULL));
    ASSERT_EQ(12u, (unsigned)n);
    ASSERT_EQ(WPS_OK, wps_webhook_request_headers(&o, h, 20, &n, buf, need, &need, NULL));
    ASSERT(slice_is(h[1].value, "azure.webpubsub.sys.connect"));
    ASSERT(slice_is(h[2].value, "/hubs/hub/client/0f9c97a2f0bf4706afe87a14e0797b11"));
    ASSERT(slice_is(h[8].value, "connect"));
    ASSERT(slice_is(h[9].name, "ce-signature"));
    ASSERT(slice_is(h[9].value, "sha256=7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab561"));
    ASSERT(slice_is(h[11].value, "application/json; charset=utf-8"));
    o.user_id = wps_slice_from_cstr("a\r\nX-Evil: 1");
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_request_headers(&o, h, 20, &n, buf, sizeof buf, &need, NULL));
    PASS();
}

/* docs/service-rules.md 4.6: SignalR's X-ASRS-* upstream headers, the same signature scheme (uppercase hex). */
TEST signalr_upstream(void) {
    wps_http_header h[8];
    wps_signalr_upstream u;
    wps_slice keys[1];
    uint16_t status = 0;
    char sig[72];
    size_t i;
    keys[0] = wps_slice_from_cstr("7aab239577fd4f24bc919802fb629f5f");
    wps_webhook_signature(keys[0], wps_slice_from_cstr("0f9c97a2f0bf4706afe87a14e0797b11"), sig);
    for (i = 7; i < 71; i++) sig[i] = (char)toupper((unsigned char)sig[i]);
    h[0].name = wps_slice_from_cstr("x-asrs-connection-id"), h[0].value = wps_slice_from_cstr("0f9c97a2f0bf4706afe87a14e0797b11");
    h[1].name = wps_slice_from_cstr("X-ASRS-Hub"), h[1].value = wps_slice_from_cstr("chat");
    h[2].name = wps_slice_from_cstr("X-ASRS-Category"), h[2].value = wps_slice_from_cstr("messages");
    h[3].name = wps_slice_from_cstr("X-ASRS-Event"), h[3].value = wps_slice_from_cstr("broadcast");
    h[4].name = wps_slice_from_cstr("X-ASRS-Signature"), h[4].value = wps_slice_make(sig, 71);
    h[5].name = wps_slice_from_cstr("X-ASRS-User-Claims"), h[5].value = wps_slice_from_cstr("a=b");
    h[6].name = wps_slice_from_cstr("X-ASRS-User-Claims"), h[6].value = wps_slice_from_cstr("c=d");
    ASSERT_EQ(WPS_OK, wps_signalr_upstream_accept(h, 7, keys, 1, &u, &status, NULL));
    ASSERT_EQ(0u, (unsigned)status);
    ASSERT(slice_is(u.category, "messages") && u.claim_headers == 2 && slice_is(u.first_claim, "a=b"));
    keys[0] = wps_slice_from_cstr("other");
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_signalr_upstream_accept(h, 7, keys, 1, &u, &status, NULL));
    ASSERT_EQ(401u, (unsigned)status);
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_signalr_upstream_accept(h + 1, 6, keys, 1, &u, &status, NULL));
    ASSERT_EQ(400u, (unsigned)status);
    PASS();
}

/* wps_token_verify: docs/service-rules.md vector #2 (a .NET-made token, the raw key), tokens wps mints, and
   every way a token can be refused. */
TEST token_verify(void) {
    static const char v2[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZGQiLCJuYmYiOjE2MjkxODMzNzQsImV4cCI6MTYyOTE4Njk3NCwiaWF0IjoxNjI5MTgzMzc0"
                             "LCJhdWQiOiJodHRwOi8vbG9jYWxob3N0OjgwODAvY2xpZW50L2h1YnMvY2hhdCJ9.tqD8ykjv5NmYw6gzLKglUAv-c-AVWu-KNZOptRKkgMM";
    static const char cstr[] = "Endpoint=http://localhost;Port=8080;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;";
    static union {
        void *align;
        char bytes[4096];
    } mem;
    wps_slice keys[2];
    wps_token_claims c;
    wps_connection_string cs;
    wps_token_options o;
    wps_slice roles[2], groups[1];
    char tok[1024], bad[1024];
    size_t n = 0;
    wps_diag d;
    keys[0] = wps_slice_from_cstr("other");
    keys[1] = wps_slice_from_cstr("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH");
    ASSERT(wps_token_memory_bound(sizeof v2 - 1) <= sizeof mem.bytes);
    ASSERT_EQ(WPS_OK, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629183400, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT(slice_is(c.sub, "ddd") && slice_is(c.aud, "http://localhost:8080/client/hubs/chat"));
    ASSERT(c.iat == 1629183374 && c.nbf == 1629183374 && c.exp == 1629186974 && c.role_count == 0);
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629186974, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629183373, mem.bytes, sizeof mem.bytes, &c, &d)); /* nbf */
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_token_verify(keys, 1, v2, sizeof v2 - 1, 1629183400, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629183400, mem.bytes, 10, &c, &d));
    /* a flipped claims byte breaks the signature */
    memcpy(bad, v2, sizeof v2);
    bad[40] = bad[40] == 'A' ? 'B' : 'A';
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_token_verify(keys, 2, bad, sizeof v2 - 1, 1629183400, mem.bytes, sizeof mem.bytes, &c, &d));
    /* malformed: two parts, a bad alphabet, alg none */
    ASSERT_EQ(WPS_ERR_TOKEN, wps_token_verify(keys, 2, "a.b", 3, 0, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_TOKEN, wps_token_verify(keys, 2, "a*.b.c", 6, 0, mem.bytes, sizeof mem.bytes, &c, &d));
    {
        static const char none[] = "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; /* {"alg":"none"} */
        ASSERT_EQ(WPS_ERR_TOKEN, wps_token_verify(keys, 2, none, sizeof none - 1, 0, mem.bytes, sizeof mem.bytes, &c, &d));
    }
    /* a token wps mints verifies, with its roles and groups */
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(cstr, sizeof cstr - 1, &cs, NULL));
    memset(&o, 0, sizeof o);
    o.hub = wps_slice_from_cstr("chat");
    o.user_id = wps_slice_from_cstr("u \"1\"");
    roles[0] = wps_slice_from_cstr("webpubsub.joinLeaveGroup");
    roles[1] = wps_slice_from_cstr("webpubsub.sendToGroup.g1");
    groups[0] = wps_slice_from_cstr("g1");
    o.roles = roles;
    o.role_count = 2;
    o.groups = groups;
    o.group_count = 1;
    o.now = 1700000000;
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, tok, sizeof tok, &n, NULL));
    ASSERT_EQ(WPS_OK, wps_token_verify(keys + 1, 1, tok, n, 1700000001, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT(slice_is(c.sub, "u \"1\"") && c.role_count == 2 && slice_is(c.roles[1], "webpubsub.sendToGroup.g1"));
    ASSERT(c.group_count == 1 && slice_is(c.groups[0], "g1") && slice_is(c.aud, "http://localhost:8080/client/hubs/chat"));
    PASS();
}

SUITE(service) {
    RUN_TEST(endpoint_hosts_are_checked);
    RUN_TEST(token_verify);
    RUN_TEST(webhook_request_checks);
    RUN_TEST(webhook_kinds_and_data_types);
    RUN_TEST(webhook_connect_body);
    RUN_TEST(webhook_disconnected_body);
    RUN_TEST(webhook_connect_responses);
    RUN_TEST(webhook_request_builder);
    RUN_TEST(signalr_upstream);
    RUN_TEST(rest_operations_carry_their_query_parameters_in_order);
    RUN_TEST(rest_every_operation);
    RUN_TEST(rest_query_and_bodies);
    RUN_TEST(rest_signalr);
    RUN_TEST(rest_validation);
    RUN_TEST(rest_responses);
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
