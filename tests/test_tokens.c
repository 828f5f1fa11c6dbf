/* Tests of wps.h sections >>connstr, >>tokens and >>verify (with a few >>crypto and >>base edges):
   connection strings (docs/service-rules.md section 1, vector #3), client access tokens and URLs
   (section 2, vectors #4-#7, section 7) and access-token verification. The happy paths and the
   vectors come first (the tests at the end of this file); the others pin the exact
   bytes of tokens, every refusal (with its reason), and every size rule. */
#include "../wps.h"
#include "harness.h"
#include "test_util.h"

#include <string.h>

#define K_STD_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define B64_STD_HEADER "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" /* base64url of K_STD_HEADER */
#define FAR_EXP "9999999999"                                  /* an exp far after every `now` used below */
#define NOW 1700000000u

/* ---------------------------------------------------------------- helpers */

static int slice_eq(wps_slice s, const char *c) {
    if (!c) return s.ptr == NULL;
    return s.ptr != NULL && s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

static int has(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* base64url without padding, written independently of wps.h; (size_t)-1 on a bad character. */

/* The claims JSON of a JWT (the middle part), NUL-terminated; 0 when it is not a 3-part JWT. */
static int jwt_payload(const char *tok, size_t n, char *out, size_t cap) {
    const char *d1 = (const char *)memchr(tok, '.', n), *d2;
    size_t m;
    if (!d1) return 0;
    d2 = (const char *)memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok));
    if (!d2) return 0;
    m = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), out, cap - 1);
    if (m == (size_t)-1) return 0;
    out[m] = 0;
    return 1;
}

/* "<h64>.<c64>.<sig>" into out (NUL-terminated); sig NULL = base64url(HMAC-SHA256(key, "<h64>.<c64>")).
   Returns the length. */
static size_t sign_segments(const char *h64, const char *c64, const char *sig, const char *key, char *out, size_t cap) {
    size_t hn = strlen(h64), cn = strlen(c64), n;
    unsigned char mac[32];
    if (hn + cn + 2 + 64 >= cap) return 0;
    memcpy(out, h64, hn);
    out[hn] = '.';
    memcpy(out + hn + 1, c64, cn);
    n = hn + 1 + cn;
    out[n++] = '.';
    if (sig) {
        size_t sn = strlen(sig);
        if (n + sn >= cap) return 0;
        memcpy(out + n, sig, sn);
        n += sn;
    } else {
        wps_hmac_sha256(key, strlen(key), out, n - 1, mac);
        n += wps_base64url_encode(mac, 32, out + n, cap - n);
    }
    out[n] = 0;
    return n;
}

/* A JWT of the given header and claims JSON, signed with key. */
static size_t make_jwt(const char *header, const char *claims, const char *key, char *out, size_t cap) {
    static char h64[1024], c64[8192];
    size_t hn = wps_base64url_encode(header, strlen(header), h64, sizeof h64 - 1);
    size_t cn = wps_base64url_encode(claims, strlen(claims), c64, sizeof c64 - 1);
    if (hn >= sizeof h64 || cn >= sizeof c64) return 0;
    h64[hn] = 0;
    c64[cn] = 0;
    return sign_segments(h64, c64, NULL, key, out, cap);
}

static wps_status parse_cs(const char *text, wps_connection_string *cs) { return wps_connection_string_parse(text, strlen(text), cs, NULL); }

static wps_token_options options_for(const char *hub) {
    wps_token_options o;
    memset(&o, 0, sizeof o);
    o.hub = wps_slice_from_cstr(hub);
    o.now = NOW;
    return o;
}

/* Memory for wps_token_verify, aligned for the slices it places there. */
static union {
    void *align_p;
    uint64_t align_u;
    char bytes[65536];
} mem;

/* ---------------------------------------------------------------- >>connstr */

typedef struct cs_rule {
    const char *name;
    const char *text;
    wps_status status;
    const char *endpoint; /* the effective endpoint when accepted */
    const char *key;      /* the AccessKey when accepted */
    const char *reason;   /* a substring of the diag reason when refused */
} cs_rule;

static const cs_rule cs_rules[] = {
    /* accepted */
    {"space, tab, CR and LF around names and values are trimmed", " \t\r\nEndpoint \t\r\n=\n\r\t https://h.example \t\r\n;\n\r\t AccessKey\r\t\n = key== \n;",
     WPS_OK, "https://h.example", "key==", NULL},
    {"a name that only starts or ends like a known one is ignored", "EndpointX=https://evil;Access=x;Endpoint=https://h;AccessKey=k;", WPS_OK, "https://h",
     "k", NULL},
    {"the last property needs no ';'", "Endpoint=https://h;AccessKey=k", WPS_OK, "https://h", "k", NULL},
    {"empty parts and parts without '=' are skipped", ";;Endpoint=https://h;;garbage; ;AccessKey=k;;", WPS_OK, "https://h", "k", NULL},
    {"unknown properties are ignored", "Foo=bar;Endpoint=https://h;AccessKey=k;Version=1.0;", WPS_OK, "https://h", "k", NULL},
    {"several trailing slashes are removed", "Endpoint=https://h.example///;AccessKey=k;", WPS_OK, "https://h.example", "k", NULL},
    /* a path is kept and the host lowercased, as @azure/web-pubsub's parseConnectionString gives
       it (new URL(endpoint).toString(): WHATWG URL lowercases the host, keeps the path), and as
       a new user measured against the official package: Endpoint=http://127.0.0.1:18090/base/
       made it send POST /base/api/hubs/chat/:send; it was dropped here before */
    {"a path after the host is kept", "Endpoint=https://h.example/api/v1;AccessKey=k;", WPS_OK, "https://h.example/api/v1", "k", NULL},
    {"the host is lowercased, the path keeps its case", "Endpoint=HTTPS://My-Host.EXAMPLE:8080/Proxy/;AccessKey=k;", WPS_OK,
     "https://my-host.example:8080/Proxy", "k", NULL},
    {"an upper-case scheme is recognised", "Endpoint=HTTP://h;AccessKey=k;", WPS_OK, "http://h", "k", NULL},
    {"a short bare host gets https://", "Endpoint=h;AccessKey=k;", WPS_OK, "https://h", "k", NULL},
    {"a bare host with a port gets https://", "Endpoint=localhost:8080;AccessKey=k;", WPS_OK, "https://localhost:8080", "k", NULL},
    {"a bare host with a one-digit port", "Endpoint=localhost:8;AccessKey=k;", WPS_OK, "https://localhost:8", "k", NULL},
    {"Port is trimmed", "Endpoint=https://h;AccessKey=k;Port = 8080 ;", WPS_OK, "https://h:8080", "k", NULL},
    {"Port 1 is the smallest", "Endpoint=https://h;AccessKey=k;Port=1;", WPS_OK, "https://h:1", "k", NULL},
    {"Port 65535 is the largest", "Endpoint=http://h;AccessKey=k;Port=65535;", WPS_OK, "http://h:65535", "k", NULL},
    {"Port 443 on https is the default and is dropped", "Endpoint=https://h;AccessKey=k;Port=443;", WPS_OK, "https://h", "k", NULL},
    {"Port 80 on http is the default and is dropped", "Endpoint=http://h;AccessKey=k;Port=80;", WPS_OK, "http://h", "k", NULL},
    {"Port 80 on https is kept", "Endpoint=https://h;AccessKey=k;Port=80;", WPS_OK, "https://h:80", "k", NULL},
    {"Port replaces a port written in the Endpoint", "Endpoint=https://h:8443;AccessKey=k;Port=9000;", WPS_OK, "https://h:9000", "k", NULL},
    {"a port written in the Endpoint is kept, and so is the path", "Endpoint=https://h:8443/x;AccessKey=k;", WPS_OK, "https://h:8443/x", "k", NULL},
    {"Port applies before the path", "Endpoint=https://h/x;Port=9000;AccessKey=k;", WPS_OK, "https://h:9000/x", "k", NULL},
    {"the default port written in an https Endpoint is dropped", "Endpoint=https://h:443;AccessKey=k;", WPS_OK, "https://h", "k", NULL},
    {"the default port written in an http Endpoint is dropped", "Endpoint=http://h:80/;AccessKey=k;", WPS_OK, "http://h", "k", NULL},
    {"an IPv6 literal with its port is kept", "Endpoint=http://[::1]:8080;AccessKey=k;", WPS_OK, "http://[::1]:8080", "k", NULL},
    {"an IPv6 literal keeps its colons with the Port property", "Endpoint=http://[::1];Port=8080;AccessKey=k;", WPS_OK, "http://[::1]:8080", "k", NULL},
    /* refused: an endpoint without a host or with a port that is not 1..65535 (the coverage
       review found them signed into URLs such as wss://:8080/... and wss://h:abc/...) */
    {"a port text that is not a number", "Endpoint=https://h:abc/x;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Endpoint: the endpoint needs a host"},
    {"a port of too many digits", "Endpoint=https://h:1234567;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "port 1..65535"},
    {"an empty port", "Endpoint=https://h:;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "port 1..65535"},
    {"port 0", "Endpoint=https://h:0;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "port 1..65535"},
    {"no host before the port", "Endpoint=https://:8080;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"no host before the path", "Endpoint=https:///x;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"a bare port", "Endpoint=:8080;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"an unclosed IPv6 literal", "Endpoint=http://[::1;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"a ClientEndpoint without a host", "Endpoint=https://h;ClientEndpoint=https://:1;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "ClientEndpoint: the endpoint needs a host"},
    {"a ServerEndpoint with a bad port", "Endpoint=https://h;ServerEndpoint=https://s:99999;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "ServerEndpoint: the endpoint needs a host"},
    /* host characters are checked when the string is parsed (they were refused only when a
       token or request was built; the review found "[]" and "?" accepted) */
    {"'@' (userinfo) in the host", "Endpoint=https://user@h.example;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Endpoint: the endpoint needs a host"},
    {"'~' in the host", "Endpoint=https://h~x.example;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"'#' in the host", "Endpoint=https://h#x;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"a query after the host", "Endpoint=https://a.b.c?x=1;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"an empty IPv6 literal", "Endpoint=https://[];AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"an IPv6 literal of letters", "Endpoint=https://[hello];AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "needs a host"},
    {"a ClientEndpoint with a space in the host", "Endpoint=https://h;AccessKey=k;ClientEndpoint=https://c d.example;", WPS_ERR_CONNECTION_STRING, NULL, NULL,
     "ClientEndpoint: the endpoint needs a host"},
    /* refused */
    {"an empty Endpoint value", "Endpoint=;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Endpoint: required"},
    {"an Endpoint of blanks", "Endpoint=  \t;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Endpoint: required"},
    {"an Endpoint of slashes only", "Endpoint=///;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Endpoint: the endpoint is empty"},
    {"a scheme with one slash", "Endpoint=https:/h;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "http or https URL"},
    {"a ws:// endpoint", "Endpoint=ws://h;AccessKey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "http or https URL"},
    {"an AccessKey of blanks", "Endpoint=https://h;AccessKey=  ;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "AccessKey: required"},
    {"an empty Port", "Endpoint=https://h;AccessKey=k;Port=;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Port: invalid Port value (1..65535) at byte 31"},
    {"a Port of six digits", "Endpoint=https://h;AccessKey=k;Port=008080;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Port: invalid"},
    {"a negative Port", "Endpoint=https://h;AccessKey=k;Port=-1;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Port: invalid"},
    {"a Port with a sign", "Endpoint=https://h;AccessKey=k;Port=+80;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Port: invalid"},
    {"a Port of 99999", "Endpoint=https://h;AccessKey=k;Port=99999;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "Port: invalid"},
    {"Port given twice", "Endpoint=https://h;AccessKey=k;Port=1;PORT=2;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "duplicate property"},
    {"AccessKey given twice", "Endpoint=https://h;AccessKey=k;accesskey=k;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "duplicate property"},
    {"Version given twice", "Endpoint=https://h;AccessKey=k;Version=1.0;version=1.0;", WPS_ERR_CONNECTION_STRING, NULL, NULL, "duplicate property"},
    {"a ServerEndpoint that is not a URL", "Endpoint=https://h;AccessKey=k;ServerEndpoint=s;", WPS_ERR_CONNECTION_STRING, NULL, NULL,
     "ServerEndpoint: must be an absolute http or https URL"},
    {"a bad ServerEndpoint next to a good ClientEndpoint", "Endpoint=https://h;AccessKey=k;ClientEndpoint=https://c;ServerEndpoint=ftp://s;",
     WPS_ERR_CONNECTION_STRING, NULL, NULL, "ServerEndpoint:"},
    {"a ClientEndpoint that is only a scheme", "Endpoint=https://h;AccessKey=k;ClientEndpoint=https://;", WPS_ERR_CONNECTION_STRING, NULL, NULL,
     "ClientEndpoint:"},
    {"AuthType is named in the reason", "AuthType=azure.msi;Endpoint=https://h;", WPS_ERR_UNSUPPORTED, NULL, NULL, "AuthType: Entra ID"},
};

TEST connection_string_rules_and_reasons(void) {
    size_t i;
    for (i = 0; i < sizeof cs_rules / sizeof cs_rules[0]; i++) {
        const cs_rule *c = &cs_rules[i];
        wps_connection_string cs;
        wps_diag d;
        wps_status st = wps_connection_string_parse(c->text, strlen(c->text), &cs, &d);
        ASSERT_EQm(c->name, c->status, st);
        ASSERT_EQm(c->name, c->status, d.status);
        if (st == WPS_OK) {
            char ep[256];
            size_t n = wps_connection_string_endpoint(&cs, ep, sizeof ep);
            ASSERTm(c->name, n < sizeof ep);
            ep[n] = 0;
            ASSERT_STR_EQm(c->name, c->endpoint, ep);
            ASSERTm(c->name, slice_eq(cs.access_key, c->key));
        } else {
            ASSERTm(c->name, has(d.reason, c->reason));
            ASSERTm(c->name, cs.endpoint.ptr == NULL && cs.access_key.ptr == NULL && cs.port == 0); /* nothing half-parsed */
        }
    }
    PASS();
}

/* Every field is a slice of the caller's text (no copy), and Port is a number. */
TEST connection_string_fields_point_into_the_text(void) {
    static const char text[] = "endpoint=https://s.example/;ACCESSKEY=abc=;Version=1.1;ClientEndpoint=https://c.example;"
                               "ServerEndpoint=http://s.internal:81;Port=8443";
    wps_connection_string cs;
    ASSERT_EQ(WPS_OK, parse_cs(text, &cs));
    ASSERT(slice_eq(cs.endpoint, "https://s.example"));
    ASSERT(slice_eq(cs.access_key, "abc="));
    ASSERT(slice_eq(cs.version, "1.1"));
    ASSERT(slice_eq(cs.client_endpoint, "https://c.example"));
    ASSERT(slice_eq(cs.server_endpoint, "http://s.internal:81"));
    ASSERT_EQ(8443, cs.port);
    ASSERT(cs.endpoint.ptr == text + 9 && cs.access_key.ptr >= text && cs.access_key.ptr < text + sizeof text);
    /* absent optional properties stay absent */
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h;AccessKey=k", &cs));
    ASSERT(cs.version.ptr == NULL && cs.client_endpoint.ptr == NULL && cs.server_endpoint.ptr == NULL && cs.port == 0);
    PASS();
}

/* The parser reads len bytes, not up to a NUL, and checks its arguments. */
TEST connection_string_length_and_null_arguments(void) {
    static const char text[] = "Endpoint=https://h;AccessKey=k;Port=99999;";
    wps_connection_string cs;
    wps_diag d;
    /* the bad Port lies past len */
    ASSERT_EQ(WPS_OK, wps_connection_string_parse(text, 30, &cs, &d));
    ASSERT(slice_eq(cs.access_key, "k") && cs.port == 0);
    /* a len that cuts the key off */
    ASSERT_EQ(WPS_ERR_CONNECTION_STRING, wps_connection_string_parse(text, 29, &cs, &d));
    ASSERT(has(d.reason, "AccessKey"));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_connection_string_parse(text, sizeof text - 1, NULL, &d));
    ASSERT(has(d.reason, "NULL"));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_connection_string_parse(NULL, 5, &cs, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_connection_string_parse(NULL, 5, &cs, NULL));
    /* NULL with length 0 is an empty string: no Endpoint */
    ASSERT_EQ(WPS_ERR_CONNECTION_STRING, wps_connection_string_parse(NULL, 0, &cs, &d));
    ASSERT(has(d.reason, "Endpoint"));
    PASS();
}

/* wps_connection_string_endpoint returns the full length whatever cap is, never writes past cap,
   and NULL gives 0. */
TEST connection_string_endpoint_sizes(void) {
    static const char expect[] = "https://h.example:8443";
    wps_connection_string cs;
    char out[64];
    size_t n, cap;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h.example;AccessKey=k;Port=8443", &cs));
    ASSERT_EQ(sizeof expect - 1, wps_connection_string_endpoint(&cs, NULL, 0));
    for (cap = 0; cap < sizeof expect - 1; cap++) {
        memset(out, '#', sizeof out);
        ASSERT_EQ(sizeof expect - 1, wps_connection_string_endpoint(&cs, out, cap));
        for (n = cap; n < sizeof out; n++) ASSERTm("a byte past cap was written", out[n] == '#');
        ASSERTm("nothing is written unless all of it fits (it wrote a prefix before the review)", out[0] == '#');
    }
    memset(out, '#', sizeof out);
    n = wps_connection_string_endpoint(&cs, out, sizeof expect - 1);
    ASSERT_EQ(sizeof expect - 1, n);
    ASSERT(memcmp(out, expect, n) == 0 && out[n] == '#');
    ASSERT_EQ(0u, wps_connection_string_endpoint(NULL, out, sizeof out));
    PASS();
}

/* ---------------------------------------------------------------- >>tokens */

/* A NULL output with a capacity measures (the review found a write through NULL after the
   writers were merged): wps_connection_string_endpoint returns the length, and
   wps_signalr_client_token, whose url_out may be NULL, reports the URL length. */
TEST null_outputs_with_a_capacity_only_measure(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("hub");
    char tok[1024];
    size_t n = 0, un = 0;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://abc.webpubsub.azure.com;AccessKey=k;", &cs));
    ASSERT_EQ(strlen("https://abc.webpubsub.azure.com"), wps_connection_string_endpoint(&cs, NULL, 100));
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, tok, sizeof tok, &n, NULL, 256, &un, NULL));
    ASSERT_EQ(strlen("https://abc.webpubsub.azure.com/client/?hub=hub"), un);
    PASS();
}

/* An IPv6 endpoint keeps its brackets and colons in URLs and audiences: with the Port property,
   and in SignalR's audience, which drops the port (before the review: "http://[:8080" and
   "http://[/client/?hub=h"). */
TEST ipv6_endpoints_keep_their_host(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("h");
    wps_token_claims claims;
    wps_slice key = wps_slice_from_cstr("k");
    char tok[1024], url[256];
    size_t n = 0, un = 0;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=http://[::1];Port=8080;AccessKey=k;", &cs));
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, url, sizeof url, &n, NULL));
    ASSERT(n > 24 && memcmp(url, "ws://[::1]:8080/client/hubs/h?access_token=", 43) == 0);
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=http://[::1]:8080;AccessKey=k;", &cs));
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, tok, sizeof tok, &n, url, sizeof url, &un, NULL));
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, sizeof mem.bytes, &claims, NULL));
    ASSERT(claims.aud.len == 26 && memcmp(claims.aud.ptr, "http://[::1]/client/?hub=h", 26) == 0);
    PASS();
}


/* Exact bytes, computed independently (Python hmac/base64) from docs/service-rules.md 2.1 and 7:
   header {"alg":"HS256","typ":"JWT"}, claims aud, iat, exp, sub, role[], webpubsub.group[]. */
TEST web_pubsub_token_and_url_match_reference_bytes(void) {
    static const char mqtt_token[] =
        B64_STD_HEADER ".eyJhdWQiOiJodHRwczovL2NvbnRvc28ud2VicHVic3ViLmF6dXJlLmNvbS9jbGllbnRzL21xdHQvaHVicy9DaGF0IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDA2"
                       "MDAsInN1YiI6ImFsaWNlIiwicm9sZSI6WyJ3ZWJwdWJzdWIuam9pbkxlYXZlR3JvdXAiXSwid2VicHVic3ViLmdyb3VwIjpbImcxIl19.6tmTrgzskXHnAGHHyTAbmWCPcvXImiU68AXUu_7iGL8";
    static const char socketio_url[] =
        "wss://contoso.webpubsub.azure.com/clients/socketio/hubs/Chat?access_token=" B64_STD_HEADER
        ".eyJhdWQiOiJodHRwczovL2NvbnRvc28ud2VicHVic3ViLmF6dXJlLmNvbS9jbGllbnRzL3NvY2tldGlvL2h1YnMvQ2hhdCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwfQ."
        "u0NgpnKiG_6WD5lc_kZ7IWtyHYp32ps69Hv-qwlg5bs";
    wps_connection_string cs;
    wps_token_options o = options_for("Chat");
    wps_slice role = wps_slice_from_cstr("webpubsub.joinLeaveGroup"), group = wps_slice_from_cstr("g1");
    char out[1024];
    size_t n = 0;
    wps_diag d;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://contoso.webpubsub.azure.com;AccessKey=secret-key;Version=1.0;", &cs));
    o.user_id = wps_slice_from_cstr("alice");
    o.roles = &role;
    o.role_count = 1;
    o.groups = &group;
    o.group_count = 1;
    o.expires_minutes = 10;
    o.client_kind = WPS_CLIENT_KIND_MQTT;
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d));
    ASSERT_EQ(WPS_OK, d.status);
    ASSERT_EQ(sizeof mqtt_token - 1, n);
    ASSERT(memcmp(out, mqtt_token, n) == 0);
    /* the same call without a length pointer still writes the token */
    memset(out, 0, sizeof out);
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, out, sizeof out, NULL, NULL));
    ASSERT(memcmp(out, mqtt_token, sizeof mqtt_token - 1) == 0);
    /* Socket.IO URL, no user, 0 minutes = 60 */
    o = options_for("Chat");
    o.client_kind = WPS_CLIENT_KIND_SOCKETIO;
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, out, sizeof out, &n, &d));
    ASSERT_EQ(sizeof socketio_url - 1, n);
    ASSERT(memcmp(out, socketio_url, n) == 0);
    memset(out, 0, sizeof out);
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, out, sizeof out, NULL, NULL));
    ASSERT(memcmp(out, socketio_url, sizeof socketio_url - 1) == 0);
    PASS();
}

/* SignalR (section 2.2): aud drops the port, hub lowercased, nbf = iat, no asrs.s.uid without a
   user; the client URL keeps the endpoint's port when there is no ClientEndpoint. */
TEST signalr_token_matches_reference_bytes(void) {
    static const char token[] =
        B64_STD_HEADER ".eyJhdWQiOiJodHRwczovL2NvbnRvc28uc2VydmljZS5zaWduYWxyLm5ldC9jbGllbnQvP2h1Yj1jaGF0IiwiaWF0IjoxNzAwMDAwMDAwLCJuYmYiOjE3MDAwMDAwMDAsImV4"
                       "cCI6MTcwMDAwMDEyMH0.HLLp6RenlncqxmTr7eTyxDXR1QUGu52mhuOSV7DKByE";
    static const char url[] = "https://contoso.service.signalr.net:8443/client/?hub=chat";
    wps_connection_string cs;
    wps_token_options o = options_for("Chat");
    char out[1024], uout[256];
    size_t n = 0, un = 0;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://contoso.service.signalr.net:8443;AccessKey=secret-key;Version=1.0;", &cs));
    o.expires_minutes = 2;
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, uout, sizeof uout, &un, NULL));
    ASSERT_EQ(sizeof token - 1, n);
    ASSERT(memcmp(out, token, n) == 0);
    ASSERT_EQ(sizeof url - 1, un);
    ASSERT(memcmp(uout, url, un) == 0);
    /* url_out NULL with url_len: the URL is measured only; both NULL: the token alone */
    un = 0;
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, NULL, 0, &un, NULL));
    ASSERT_EQ(sizeof url - 1, un);
    memset(out, 0, sizeof out);
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, sizeof out, NULL, NULL, 0, NULL, NULL));
    ASSERT(memcmp(out, token, sizeof token - 1) == 0);
    PASS();
}

/* A ClientEndpoint with a port of its own: the Port property belongs to Endpoint only. */
TEST signalr_client_endpoint_keeps_its_own_port(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("Hub");
    char out[1024], uout[256], claims[1024];
    size_t n = 0, un = 0;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=http://origin.example;Port=8080;AccessKey=k;ClientEndpoint=https://edge.example:9443/;", &cs));
    o.user_id = wps_slice_from_cstr("u");
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, uout, sizeof uout, &un, NULL));
    uout[un] = 0;
    ASSERT_STR_EQ("https://edge.example:9443/client/?hub=hub", uout);
    ASSERT(jwt_payload(out, n, claims, sizeof claims));
    ASSERT_STR_EQ("{\"aud\":\"http://origin.example/client/?hub=hub\",\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700003600,\"asrs.s.uid\":\"u\"}", claims);
    PASS();
}

/* *out_len (and diag.needed) is the exact size; one byte less fails and writes nothing. */
TEST token_and_url_sizes_are_exact(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("hub");
    char out[2048], uout[256];
    size_t need = 0, n = 0, un = 0;
    wps_diag d;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h.example;AccessKey=k;", &cs));
    o.user_id = wps_slice_from_cstr("user");
    /* wps_client_access_token */
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_access_token(&cs, &o, NULL, 0, &need, &d));
    ASSERT_EQ(need, d.needed);
    ASSERT(has(d.reason, "out_len"));
    memset(out, '#', sizeof out);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_access_token(&cs, &o, out, need - 1, &n, &d));
    ASSERT_EQ(need, n);
    ASSERT_EQ(need, d.needed);
    ASSERTm("nothing is written when the token does not fit", out[0] == '#' && out[need - 2] == '#');
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_access_token(&cs, &o, out, need - 1, &n, NULL));
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, out, need, &n, &d));
    ASSERT_EQ(need, n);
    /* wps_client_access_url */
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_access_url(&cs, &o, NULL, 0, &need, &d));
    ASSERT_EQ(need, d.needed);
    memset(out, '#', sizeof out);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_client_access_url(&cs, &o, out, need - 1, &n, NULL));
    ASSERT_EQ(need, n);
    ASSERTm("nothing is written when the URL does not fit", out[0] == '#');
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, out, need, &n, &d));
    ASSERT_EQ(need, n);
    ASSERT(strncmp(out, "wss://h.example/client/hubs/hub?access_token=", 45) == 0);
    /* wps_signalr_client_token: the token, then the URL */
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_signalr_client_token(&cs, &o, NULL, 0, &need, uout, sizeof uout, &un, &d));
    ASSERT_EQ(need, d.needed);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_signalr_client_token(&cs, &o, out, need - 1, &n, NULL, 0, NULL, NULL));
    ASSERT_EQ(need, n);
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, need, &n, uout, sizeof uout, &un, &d));
    ASSERT_EQ(need, n);
    ASSERT_EQ(strlen("https://h.example/client/?hub=hub"), un);
    n = 99;
    memset(uout, '#', sizeof uout);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, uout, un - 1, &un, &d));
    ASSERT_EQ(strlen("https://h.example/client/?hub=hub"), un);
    ASSERT_EQ(un, d.needed);
    ASSERT(has(d.reason, "URL buffer too small"));
    ASSERTm("no token when the URL does not fit", n == 0);
    ASSERTm("nothing is written past url_cap", uout[un - 1] == '#');
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_signalr_client_token(&cs, &o, out, sizeof out, NULL, uout, un - 1, NULL, NULL));
    PASS();
}

typedef struct hub_rule {
    const char *hub;
    int ok;
} hub_rule;

/* ^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$ */
static const hub_rule hub_rules[] = {
    {"h", 1},   {"Z", 1},   {"Hub9", 1}, {"a_b", 1}, {"a`b", 1}, {"a,b", 1}, {"a.b", 1}, {"a[0]", 1}, {"zZ", 1},
    {"", 0},    {"1hub", 0}, {"_hub", 0}, {"{hub", 0}, {"@hub", 0}, {"[hub", 0}, {"h-b", 0}, {"h:b", 0}, {"h/b", 0},
    {"h~", 0},  {"h{", 0},  {"h b", 0},  {"h\xc3\xa9", 0},
};

TEST hub_names_follow_the_service_pattern(void) {
    wps_connection_string cs;
    char out[2048], uout[512], name[160];
    size_t i, n, un;
    wps_diag d;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h;AccessKey=k;", &cs));
    for (i = 0; i < sizeof hub_rules / sizeof hub_rules[0]; i++) {
        wps_token_options o = options_for(hub_rules[i].hub);
        wps_status want = hub_rules[i].ok ? WPS_OK : WPS_ERR_INVALID_ARGUMENT;
        ASSERT_EQm(hub_rules[i].hub, want, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d));
        if (!hub_rules[i].ok) ASSERTm(hub_rules[i].hub, has(d.reason, "hub"));
        ASSERT_EQm(hub_rules[i].hub, want, wps_client_access_url(&cs, &o, out, sizeof out, &n, &d));
        ASSERT_EQm(hub_rules[i].hub, want, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, uout, sizeof uout, &un, &d));
    }
    /* absent hub; 128 characters is the longest */
    {
        wps_token_options o = options_for("h");
        o.hub = wps_slice_make(NULL, 0);
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d));
        memset(name, 'h', sizeof name);
        o.hub = wps_slice_make(name, 128);
        ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, out, sizeof out, &n, &d));
        ASSERT(n > 128 && memcmp(out + strlen("wss://h/client/hubs/"), name, 128) == 0 && out[strlen("wss://h/client/hubs/") + 128] == '?');
        o.hub = wps_slice_make(name, 129);
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_access_url(&cs, &o, out, sizeof out, &n, &d));
    }
    PASS();
}

typedef struct endpoint_rule {
    const char *name;
    const char *text;
    wps_status status;         /* of wps_client_access_url */
    wps_status signalr_status; /* of wps_signalr_client_token */
    const char *url_prefix;    /* of wps_client_access_url, hub "h" */
} endpoint_rule;

/* Only host characters reach a URL or an aud. The host is lowercased and a path kept, as
   @azure/web-pubsub does (parseConnectionString: new URL(endpoint).toString(); hubClient
   getClientAccessToken: endpoint + "/" + "client/hubs/<hub>", the same for aud); a path must not
   carry blanks, quotes, backslashes, a query or fragment, or non-ASCII bytes. SignalR refuses a
   path (WPS_ERR_UNSUPPORTED): its SDKs build audiences from scheme://host/ only, and where they
   would put a path is not known here. */
static const endpoint_rule endpoint_rules[] = {
    {"upper-case scheme and host; the host is lowercased", "Endpoint=HTTPS://MyHost.Example;AccessKey=k;", WPS_OK, WPS_OK,
     "wss://myhost.example/client/hubs/h?access_token="},
    {"'-', '_', digits and a port", "Endpoint=http://my-host_1.example:8080;AccessKey=k;", WPS_OK, WPS_OK,
     "ws://my-host_1.example:8080/client/hubs/h?access_token="},
    {"an IPv6 literal and its port", "Endpoint=http://[::1]:8080;AccessKey=k;", WPS_OK, WPS_OK, "ws://[::1]:8080/client/hubs/h?access_token="},
    {"a short bare host", "Endpoint=localhost;AccessKey=k;", WPS_OK, WPS_OK, "wss://localhost/client/hubs/h?access_token="},
    {"a bare host of 7+ characters", "Endpoint=pubsub.example;AccessKey=k;", WPS_OK, WPS_OK, "wss://pubsub.example/client/hubs/h?access_token="},
    {"a path is kept", "Endpoint=https://h.example/api/v1-x_y;AccessKey=k;", WPS_OK, WPS_ERR_UNSUPPORTED,
     "wss://h.example/api/v1-x_y/client/hubs/h?access_token="},
    {"a path and a port", "Endpoint=http://h.example:8080/base/;AccessKey=k;", WPS_OK, WPS_ERR_UNSUPPORTED,
     "ws://h.example:8080/base/client/hubs/h?access_token="},
    {"a lone slash is no path", "Endpoint=https://h.example/;AccessKey=k;", WPS_OK, WPS_OK, "wss://h.example/client/hubs/h?access_token="},
    {"a space in the path", "Endpoint=https://h/a b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a control character in the path", "Endpoint=https://h/a\x01"
                                        "b;AccessKey=k;",
     WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a quote in the path", "Endpoint=https://h/a\"b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a backslash in the path", "Endpoint=https://h/a\\b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"DEL in the path", "Endpoint=https://h/a\x7f;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"non-ASCII in the path", "Endpoint=https://h/\xc3\xa9;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a query in the path", "Endpoint=https://h/a?b=1;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a fragment in the path", "Endpoint=https://h/a#b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    /* what the WHATWG URL parser (JS) percent-encodes in a path, and the dot segments it removes:
       kept raw they would give another aud than the SDK's ("/a{b}<c>" is "/a%7Bb%7D%3Cc%3E" there) */
    {"'{' in the path", "Endpoint=https://h/a{b};AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"'<' in the path", "Endpoint=https://h/a<c>;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"'`' in the path", "Endpoint=https://h/a`b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"'|' in the path", "Endpoint=https://h/a|b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"'^' in the path", "Endpoint=https://h/a^b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a '..' segment", "Endpoint=https://h/a/../b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a '.' segment", "Endpoint=https://h/./b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a '..' segment at the end", "Endpoint=https://h/a/..;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"an encoded '..' segment", "Endpoint=https://h/%2E%2e/b;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"a half-encoded '..' segment", "Endpoint=https://h/.%2e;AccessKey=k;", WPS_ERR_INVALID_ARGUMENT, WPS_ERR_INVALID_ARGUMENT, NULL},
    {"dots inside a segment are no dot segment", "Endpoint=https://h/..a/.well-known/a.b;AccessKey=k;", WPS_OK, WPS_ERR_UNSUPPORTED,
     "wss://h/..a/.well-known/a.b/client/hubs/h?access_token="},
    {"three dots are a name", "Endpoint=https://h/.../x%20y;AccessKey=k;", WPS_OK, WPS_ERR_UNSUPPORTED, "wss://h/.../x%20y/client/hubs/h?access_token="},
};

TEST endpoints_must_be_plain_hosts(void) {
    size_t i;
    for (i = 0; i < sizeof endpoint_rules / sizeof endpoint_rules[0]; i++) {
        const endpoint_rule *c = &endpoint_rules[i];
        wps_connection_string cs;
        wps_token_options o = options_for("h");
        char out[2048], uout[256];
        size_t n = 0, un = 0;
        wps_diag d;
        ASSERT_EQm(c->name, WPS_OK, parse_cs(c->text, &cs));
        ASSERT_EQm(c->name, c->status, wps_client_access_url(&cs, &o, out, sizeof out, &n, &d));
        if (c->status == WPS_OK) {
            ASSERTm(c->name, strncmp(out, c->url_prefix, strlen(c->url_prefix)) == 0);
        } else {
            ASSERTm(c->name, has(d.reason, "Endpoint: a host with characters no host has, or a path a URL parser would change"));
        }
        ASSERT_EQm(c->name, c->signalr_status, wps_signalr_client_token(&cs, &o, out + 1024, 1024, &n, uout, sizeof uout, &un, &d));
        if (c->signalr_status == WPS_ERR_UNSUPPORTED) ASSERT_STR_EQm(c->name, "Endpoint: a path in a SignalR endpoint is not supported", d.reason);
    }
    PASS();
}

/* A ClientEndpoint is SignalR's: a Web PubSub token does not read it, so an odd one does not
   refuse it (the review of the path change found it refused a Web PubSub token). */
TEST web_pubsub_tokens_ignore_client_endpoint(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("h");
    char out[2048], uout[256];
    size_t n = 0, un = 0;
    wps_diag d;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h;AccessKey=k;ClientEndpoint=https://c.example/p?x=1;", &cs));
    ASSERT_EQ(WPS_OK, wps_client_access_url(&cs, &o, out, sizeof out, &n, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, uout, sizeof uout, &un, &d));
    PASS();
}

/* exp = now + the lifetime must not wrap past UINT64_MAX (a new user's edge case: now =
   UINT64_MAX - 10 gave "exp":3589, a token expired long ago, with WPS_OK). */
TEST token_lifetime_past_the_largest_time_is_refused(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("hub");
    char out[1024], uout[256];
    size_t n = 0, un = 0;
    wps_diag d;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h;AccessKey=k;", &cs));
    o.now = UINT64_MAX - 3600; /* the default hour still fits */
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d));
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, uout, sizeof uout, &un, &d));
    o.now++;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d));
    ASSERT_STR_EQ("now: now + the lifetime is past the largest time a token can carry", d.reason);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_access_url(&cs, &o, out, sizeof out, &n, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, uout, sizeof uout, &un, &d));
    o.expires_minutes = 1;
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d));
    o.now = UINT64_MAX;
    o.expires_minutes = 0xFFFFFFFFu;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d));
    PASS();
}

typedef struct arg_rule {
    const char *name;
    int which;
    wps_status status;
    const char *reason;
} arg_rule;

static const arg_rule arg_rules[] = {
    {"NULL connection string", 0, WPS_ERR_INVALID_ARGUMENT, "NULL argument"},
    {"NULL options", 1, WPS_ERR_INVALID_ARGUMENT, "NULL argument"},
    {"a connection string without a key", 2, WPS_ERR_INVALID_ARGUMENT, "NULL argument"},
    {"a connection string without an endpoint", 3, WPS_ERR_INVALID_ARGUMENT, "NULL argument"},
    {"an endpoint that is only a scheme", 4, WPS_ERR_INVALID_ARGUMENT, "characters no host has"},
    {"an empty endpoint", 5, WPS_ERR_INVALID_ARGUMENT, "characters no host has"},
    {"role_count without roles", 6, WPS_ERR_INVALID_ARGUMENT, "invalid roles, groups or client kind"},
    {"group_count without groups", 7, WPS_ERR_INVALID_ARGUMENT, "invalid roles, groups or client kind"},
    {"a client kind past the last one", 8, WPS_ERR_INVALID_ARGUMENT, "invalid roles, groups or client kind"},
    {"a user id that is not UTF-8", 9, WPS_ERR_UTF8, "userId: not UTF-8"},
    {"a NULL role", 10, WPS_ERR_UTF8, "role: a role is NULL or not UTF-8"},
    {"a second role that is not UTF-8", 11, WPS_ERR_UTF8, "role: a role is NULL or not UTF-8"},
    {"a NULL group", 12, WPS_ERR_UTF8, "group: a group is NULL or not UTF-8"},
    {"a second group that is not UTF-8", 13, WPS_ERR_UTF8, "group: a group is NULL or not UTF-8"},
};

/* Sets up case `which` of arg_rules on a valid connection string and valid options. */
static void arg_case(int which, wps_connection_string *cs, wps_token_options *o, const wps_connection_string **pcs, const wps_token_options **po) {
    static const wps_slice bad_utf8[2] = {{"ok", 2}, {"\xc3(", 2}};
    static const wps_slice null_one[1] = {{NULL, 0}};
    *pcs = cs;
    *po = o;
    switch (which) {
    case 0: *pcs = NULL; break;
    case 1: *po = NULL; break;
    case 2: cs->access_key = wps_slice_make(NULL, 0); break;
    case 3: cs->endpoint = wps_slice_make(NULL, 0); break;
    case 4: cs->endpoint = wps_slice_from_cstr("https://"); break;
    case 5: cs->endpoint = wps_slice_from_cstr(""); break;
    case 6: o->role_count = 1; break;
    case 7: o->group_count = 1; break;
    case 8: o->client_kind = (wps_client_kind)3; break; /* within the enum's value range (0..3), past its last enumerator */
    case 9: o->user_id = wps_slice_make("\xff", 1); break;
    case 10: o->roles = null_one, o->role_count = 1; break;
    case 11: o->roles = bad_utf8, o->role_count = 2; break;
    case 12: o->groups = null_one, o->group_count = 1; break;
    default: o->groups = bad_utf8, o->group_count = 2; break;
    }
}

/* The three token functions check their arguments the same way, before anything is built. */
TEST token_arguments_are_checked_before_signing(void) {
    size_t i;
    for (i = 0; i < sizeof arg_rules / sizeof arg_rules[0]; i++) {
        const arg_rule *c = &arg_rules[i];
        wps_connection_string cs;
        wps_token_options o = options_for("hub");
        const wps_connection_string *pcs;
        const wps_token_options *po;
        char out[1024], uout[256];
        size_t n = 7, un = 7;
        wps_diag d;
        ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h;AccessKey=k;", &cs));
        arg_case(c->which, &cs, &o, &pcs, &po);
        ASSERT_EQm(c->name, c->status, wps_client_access_token(pcs, po, out, sizeof out, &n, &d));
        ASSERTm(c->name, has(d.reason, c->reason) && d.status == c->status && n == 0);
        ASSERT_EQm(c->name, c->status, wps_client_access_token(pcs, po, out, sizeof out, NULL, NULL));
        n = 7;
        ASSERT_EQm(c->name, c->status, wps_client_access_url(pcs, po, out, sizeof out, &n, &d));
        ASSERTm(c->name, has(d.reason, c->reason) && n == 0);
        ASSERT_EQm(c->name, c->status, wps_client_access_url(pcs, po, out, sizeof out, NULL, NULL));
        n = 7;
        ASSERT_EQm(c->name, c->status, wps_signalr_client_token(pcs, po, out, sizeof out, &n, uout, sizeof uout, &un, &d));
        ASSERTm(c->name, has(d.reason, c->reason) && n == 0 && un == 0);
        ASSERT_EQm(c->name, c->status, wps_signalr_client_token(pcs, po, out, sizeof out, NULL, uout, sizeof uout, NULL, NULL));
    }
    PASS();
}

/* Roles, groups and the MQTT/Socket.IO kinds have no meaning in a SignalR token. */
TEST signalr_refuses_web_pubsub_only_options(void) {
    wps_connection_string cs;
    wps_slice one = wps_slice_from_cstr("x");
    char out[1024];
    size_t n = 0, k;
    wps_diag d;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h;AccessKey=k;", &cs));
    for (k = 0; k < 4; k++) {
        wps_token_options o = options_for("hub");
        if (k == 0) o.roles = &one, o.role_count = 1;
        if (k == 1) o.groups = &one, o.group_count = 1;
        if (k == 2) o.client_kind = WPS_CLIENT_KIND_MQTT;
        if (k == 3) o.client_kind = WPS_CLIENT_KIND_SOCKETIO;
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, NULL, 0, NULL, &d));
        ASSERT(has(d.reason, "Web PubSub token options"));
        ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, out, sizeof out, &n, &d)); /* fine for Web PubSub */
    }
    PASS();
}

/* iat and exp are 64-bit Unix seconds: past 2106 (2^32 s) and with the largest lifetime. */
TEST token_times_are_64_bit_seconds(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("hub");
    char out[1024], claims[1024];
    size_t n = 0;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://h;AccessKey=k;", &cs));
    o.now = 5000000000u;
    o.expires_minutes = 4294967295u;
    ASSERT_EQ(WPS_OK, wps_client_access_token(&cs, &o, out, sizeof out, &n, NULL));
    ASSERT(jwt_payload(out, n, claims, sizeof claims));
    ASSERT_STR_EQ("{\"aud\":\"https://h/client/hubs/hub\",\"iat\":5000000000,\"exp\":262698037700}", claims);
    o.expires_minutes = 1; /* vector 7: 1 minute */
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, NULL, 0, NULL, NULL));
    ASSERT(jwt_payload(out, n, claims, sizeof claims));
    ASSERT_STR_EQ("{\"aud\":\"https://h/client/?hub=hub\",\"iat\":5000000000,\"nbf\":5000000000,\"exp\":5000000060}", claims);
    PASS();
}

/* A SignalR token verifies, and its nbf (= iat) is honoured. */
TEST signalr_token_round_trips_through_verify(void) {
    wps_connection_string cs;
    wps_token_options o = options_for("MyHub");
    wps_slice key = wps_slice_from_cstr("s3cret");
    wps_token_claims c;
    wps_diag d;
    char out[1024];
    size_t n = 0;
    ASSERT_EQ(WPS_OK, parse_cs("Endpoint=https://x.service.signalr.net;AccessKey=s3cret;", &cs));
    o.user_id = wps_slice_from_cstr("bob");
    ASSERT_EQ(WPS_OK, wps_signalr_client_token(&cs, &o, out, sizeof out, &n, NULL, 0, NULL, NULL));
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, out, n, NOW, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT(slice_eq(c.aud, "https://x.service.signalr.net/client/?hub=myhub"));
    ASSERT(c.iat == NOW && c.nbf == NOW && c.exp == NOW + 3600u && c.sub.ptr == NULL); /* the user is asrs.s.uid, not sub */
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(&key, 1, out, n, NOW - 1u, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT(has(d.reason, "nbf"));
    PASS();
}

/* ---------------------------------------------------------------- >>verify */

#define A10 "AAAAAAAAAA"
#define X100 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

typedef struct bad_token {
    const char *name;
    const char *literal; /* the whole token, or NULL to build it from the next fields */
    const char *header;  /* JSON, or a base64url segment when raw */
    const char *claims;  /* JSON, or a base64url segment when raw */
    int raw;
    const char *sig; /* NULL: signed with key "k" */
    wps_status status;
    const char *reason;
} bad_token;

static const bad_token bad_tokens[] = {
    /* the shape */
    {"no '.' at all", "eyJhbGciOiJIUzI1NiJ9", NULL, NULL, 0, NULL, WPS_ERR_TOKEN, "three '.'-separated parts"},
    {"an empty token", "", NULL, NULL, 0, NULL, WPS_ERR_TOKEN, "three '.'-separated parts"},
    {"four parts", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP "}", 0, A10 A10 A10 A10 "AAA.AAAA", WPS_ERR_TOKEN, "signature:"},
    {"a header of 4n+1 characters", NULL, "eyJhb", "e30", 1, A10 A10 A10 A10 "AAA", WPS_ERR_TOKEN, "header: not base64url"},
    {"a header with '=' padding", NULL, "eyJhbGciOiJIUzI1NiJ9==", "e30", 1, A10 A10 A10 A10 "AAA", WPS_ERR_TOKEN, "header: not base64url"},
    {"a header with a character above 'z'", NULL, "eyJhbGciOiJIUzI1NiJ9~~~~", "e30", 1, A10 A10 A10 A10 "AAA", WPS_ERR_TOKEN, "header: not base64url"},
    {"a header with a character between '9' and 'A'", NULL, "eyJhbGciOiJIUzI1NiJ9:::;", "e30", 1, A10 A10 A10 A10 "AAA", WPS_ERR_TOKEN,
     "header: not base64url"},
    {"a header longer than 256 bytes", NULL, "{\"alg\":\"HS256\",\"pad\":\"" X100 X100 X100 "\"}", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN,
     "longer than 256 bytes"},
    {"a header that is not JSON", NULL, "HS256", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN, "\"alg\":\"HS256\""},
    {"a header without alg", NULL, "{\"typ\":\"JWT\"}", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN, "\"alg\":\"HS256\""},
    {"alg is case-sensitive", NULL, "{\"alg\":\"hs256\"}", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN, "\"alg\":\"HS256\""},
    {"alg HS512", NULL, "{\"alg\":\"HS512\"}", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN, "\"alg\":\"HS256\""},
    {"alg none", NULL, "{\"alg\":\"none\"}", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN, "\"alg\":\"HS256\""},
    {"alg that is not a string", NULL, "{\"alg\":256}", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN, "\"alg\":\"HS256\""},
    {"a header with data after the object", NULL, "{\"alg\":\"HS256\"}x", "{\"exp\":" FAR_EXP "}", 0, NULL, WPS_ERR_TOKEN, "\"alg\":\"HS256\""},
    {"a signature of 31 bytes", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP "}", 0, A10 A10 A10 A10 "AA", WPS_ERR_TOKEN, "32 bytes"},
    {"a signature of 48 bytes", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP "}", 0, A10 A10 A10 A10 A10 A10 "AAAA", WPS_ERR_TOKEN, "32 bytes"},
    {"a signature with '=' padding", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP "}", 0, A10 A10 A10 A10 "AA=", WPS_ERR_TOKEN, "32 bytes"},
    {"an empty signature", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP "}", 0, "", WPS_ERR_TOKEN, "32 bytes"},
    {"a signature of another key", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP "}", 0, A10 A10 A10 A10 "AAA", WPS_ERR_SIGNATURE, "not signed with any of the keys"},
    /* the claims, correctly signed */
    {"claims that are not base64url", NULL, B64_STD_HEADER, "e30*", 1, NULL, WPS_ERR_TOKEN, "claims: not base64url"},
    {"claims of 4n+1 characters", NULL, B64_STD_HEADER, "e30AA", 1, NULL, WPS_ERR_TOKEN, "claims: not base64url"},
    {"empty claims", NULL, B64_STD_HEADER, "", 1, NULL, WPS_ERR_TOKEN, "empty"},
    {"claims that are not JSON", NULL, K_STD_HEADER, "exp", 0, NULL, WPS_ERR_TOKEN, ""},
    {"claims that are an array", NULL, K_STD_HEADER, "[{\"exp\":" FAR_EXP "}]", 0, NULL, WPS_ERR_TOKEN, "object"},
    {"a missing ',' between claims", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP " \"sub\":\"a\"}", 0, NULL, WPS_ERR_TOKEN, "',' or '}' expected"},
    {"data after the claims", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP "}x", 0, NULL, WPS_ERR_TOKEN, ""},
    {"claims that are not UTF-8", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"sub\":\"\xff\"}", 0, NULL, WPS_ERR_TOKEN, "UTF-8"},
    {"no exp", NULL, K_STD_HEADER, "{\"iat\":1,\"sub\":\"u\"}", 0, NULL, WPS_ERR_TOKEN, "exp: the token has no expiry"},
    {"exp as a string", NULL, K_STD_HEADER, "{\"exp\":\"" FAR_EXP "\"}", 0, NULL, WPS_ERR_TOKEN, "iat/nbf/exp: a time claim must be a non-negative number"},
    {"a negative exp", NULL, K_STD_HEADER, "{\"exp\":-5}", 0, NULL, WPS_ERR_TOKEN, "non-negative number"},
    {"exp with an exponent", NULL, K_STD_HEADER, "{\"exp\":1e10}", 0, NULL, WPS_ERR_TOKEN, "iat/nbf/exp: a time claim is Unix seconds"},
    {"exp of 16 digits", NULL, K_STD_HEADER, "{\"exp\":1000000000000000}", 0, NULL, WPS_ERR_TOKEN, "Unix seconds"},
    {"iat as true", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"iat\":true}", 0, NULL, WPS_ERR_TOKEN, "non-negative number"},
    {"a negative nbf", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"nbf\":-1}", 0, NULL, WPS_ERR_TOKEN, "non-negative number"},
    {"sub as a number", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"sub\":1}", 0, NULL, WPS_ERR_TOKEN, "sub: string expected"},
    {"role as a number", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"role\":1}", 0, NULL, WPS_ERR_TOKEN, "role: string expected"},
    {"a role array holding a number", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"role\":[\"a\",2]}", 0, NULL, WPS_ERR_TOKEN, "role: string expected"},
    {"webpubsub.group as an object", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"webpubsub.group\":{}}", 0, NULL, WPS_ERR_TOKEN,
     "webpubsub.group: string expected"},
    {"aud as a number", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"aud\":1}", 0, NULL, WPS_ERR_TOKEN, "aud: string expected"},
    {"an aud array holding a number first", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"aud\":[1,\"x\"]}", 0, NULL, WPS_ERR_TOKEN, "aud: string expected"},
    {"a broken aud array", NULL, K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"aud\":[\"a\" \"b\"]}", 0, NULL, WPS_ERR_TOKEN, "',' or ']' expected"},
};

/* Builds the token of a bad_token case into out; returns its length. */
static size_t build_bad_token(const bad_token *c, char *out, size_t cap) {
    if (c->literal) {
        size_t n = strlen(c->literal);
        if (n >= cap) return 0;
        memcpy(out, c->literal, n + 1);
        return n;
    }
    if (c->raw) return sign_segments(c->header, c->claims, c->sig, "k", out, cap);
    if (!c->sig) return make_jwt(c->header, c->claims, "k", out, cap);
    {
        static char h64[1024], c64[1024];
        size_t hn = wps_base64url_encode(c->header, strlen(c->header), h64, sizeof h64 - 1);
        size_t cn = wps_base64url_encode(c->claims, strlen(c->claims), c64, sizeof c64 - 1);
        h64[hn] = 0;
        c64[cn] = 0;
        return sign_segments(h64, c64, c->sig, "k", out, cap);
    }
}

TEST verify_refuses_malformed_tokens(void) {
    wps_slice key = wps_slice_from_cstr("k");
    size_t i;
    for (i = 0; i < sizeof bad_tokens / sizeof bad_tokens[0]; i++) {
        const bad_token *c = &bad_tokens[i];
        char tok[2048];
        size_t n = build_bad_token(c, tok, sizeof tok);
        wps_token_claims claims;
        wps_diag d;
        ASSERTm(c->name, n > 0 || c->literal);
        ASSERT_EQm(c->name, c->status, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, sizeof mem.bytes, &claims, &d));
        ASSERT_EQm(c->name, c->status, d.status);
        ASSERTm(c->name, has(d.reason, c->reason));
        ASSERT_EQm(c->name, c->status, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, sizeof mem.bytes, &claims, NULL));
    }
    PASS();
}

typedef struct good_claims {
    const char *name;
    const char *claims;
    const char *aud, *sub; /* NULL: absent */
    size_t role_count;
    const char *role0;
    size_t group_count;
    const char *group0;
    uint64_t iat, nbf, exp;
} good_claims;

static const good_claims good_claims_cases[] = {
    {"role as one string", "{\"exp\":" FAR_EXP ",\"role\":\"admin\"}", NULL, NULL, 1, "admin", 0, NULL, 0, 0, 9999999999u},
    {"role null", "{\"exp\":" FAR_EXP ",\"role\":null}", NULL, NULL, 0, NULL, 0, NULL, 0, 0, 9999999999u},
    {"null array elements are skipped", "{\"role\":[null,\"a\",null],\"webpubsub.group\":[null],\"exp\":" FAR_EXP "}", NULL, NULL, 1, "a", 0, NULL, 0, 0,
     9999999999u},
    {"webpubsub.group as one string", "{\"exp\":" FAR_EXP ",\"webpubsub.group\":\"g\"}", NULL, NULL, 0, NULL, 1, "g", 0, 0, 9999999999u},
    {"several audiences: the first", "{\"aud\":[\"first\",\"second\"],\"exp\":" FAR_EXP "}", "first", NULL, 0, NULL, 0, NULL, 0, 0, 9999999999u},
    {"an aud array starting with null", "{\"aud\":[null,\"x\"],\"exp\":" FAR_EXP "}", "x", NULL, 0, NULL, 0, NULL, 0, 0, 9999999999u},
    {"an empty aud array", "{\"aud\":[],\"exp\":" FAR_EXP "}", NULL, NULL, 0, NULL, 0, NULL, 0, 0, 9999999999u},
    {"aud and sub null", "{\"aud\":null,\"sub\":null,\"exp\":" FAR_EXP "}", NULL, NULL, 0, NULL, 0, NULL, 0, 0, 9999999999u},
    {"a fraction of a second is ignored", "{\"exp\":9999999999.75,\"iat\":5.5}", NULL, NULL, 0, NULL, 0, NULL, 5, 0, 9999999999u},
    {"an exp of 15 digits", "{\"exp\":999999999999999}", NULL, NULL, 0, NULL, 0, NULL, 0, 0, 999999999999999u},
    {"iat and nbf", "{\"iat\":1600000000,\"nbf\":1600000001,\"exp\":" FAR_EXP "}", NULL, NULL, 0, NULL, 0, NULL, 1600000000u, 1600000001u, 9999999999u},
    {"escaped strings are unescaped", "{\"sub\":\"a\\\"b\\u00e9\",\"role\":[\"x\\\\y\"],\"webpubsub.group\":\"g\\/1\",\"exp\":" FAR_EXP "}", NULL,
     "a\"b\xc3\xa9", 1, "x\\y", 1, "g/1", 0, 0, 9999999999u},
    /* a claim given twice: the last wins, as JSON.parse gives it to the official verifiers */
    {"aud twice, an array last", "{\"aud\":\"x\",\"aud\":[\"y\",\"z\"],\"exp\":" FAR_EXP "}", "y", NULL, 0, NULL, 0, NULL, 0, 0, 9999999999u},
    {"aud twice, both arrays", "{\"aud\":[\"x\"],\"aud\":[\"y\"],\"exp\":" FAR_EXP "}", "y", NULL, 0, NULL, 0, NULL, 0, 0, 9999999999u},
    {"unknown claims are ignored", "{\"iss\":\"me\",\"x\":{\"y\":[1,{\"z\":null}]},\"asrs.s.uid\":\"u\",\"exp\":" FAR_EXP ",\"sub\":\"s\"}", NULL, "s", 0,
     NULL, 0, NULL, 0, 0, 9999999999u},
};

TEST verify_decodes_every_claim_shape(void) {
    wps_slice key = wps_slice_from_cstr("k");
    size_t i;
    for (i = 0; i < sizeof good_claims_cases / sizeof good_claims_cases[0]; i++) {
        const good_claims *c = &good_claims_cases[i];
        char tok[2048];
        size_t n = make_jwt(K_STD_HEADER, c->claims, "k", tok, sizeof tok);
        wps_token_claims out;
        wps_diag d;
        ASSERT_EQm(c->name, WPS_OK, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, sizeof mem.bytes, &out, &d));
        ASSERTm(c->name, slice_eq(out.aud, c->aud) && slice_eq(out.sub, c->sub));
        ASSERTm(c->name, out.role_count == c->role_count && out.group_count == c->group_count);
        ASSERTm(c->name, c->role_count == 0 || slice_eq(out.roles[0], c->role0));
        ASSERTm(c->name, c->group_count == 0 || slice_eq(out.groups[0], c->group0));
        ASSERTm(c->name, out.iat == c->iat && out.nbf == c->nbf && out.exp == c->exp);
    }
    PASS();
}

/* base64url's '-' and '_' are decoded, and a header needs only alg. */
TEST verify_reads_the_whole_base64url_alphabet(void) {
    wps_slice key = wps_slice_from_cstr("k");
    wps_token_claims c;
    char tok[512];
    /* "???" and ">>>" put 63 ('_') and 62 ('-') into the header's base64url */
    size_t n = make_jwt("{\"alg\":\"HS256\",\"kid\":\"\?\?\?>>>\"}", "{\"sub\":\"\?\?\?>>>\",\"exp\":" FAR_EXP "}", "k", tok, sizeof tok);
    ASSERT(memchr(tok, '_', n) != NULL && memchr(tok, '-', n) != NULL);
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, sizeof mem.bytes, &c, NULL));
    ASSERT(slice_eq(c.sub, "\?\?\?>>>"));
    PASS();
}

/* exp is exclusive, nbf inclusive; exp 0 is an expired token, not a missing one. */
TEST verify_time_window(void) {
    wps_slice key = wps_slice_from_cstr("k");
    wps_token_claims c;
    wps_diag d;
    char tok[512];
    size_t n = make_jwt(K_STD_HEADER, "{\"nbf\":1000,\"exp\":2000}", "k", tok, sizeof tok);
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(&key, 1, tok, n, 999, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT(has(d.reason, "nbf: the token is not valid yet"));
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, tok, n, 1000, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, tok, n, 1999, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(&key, 1, tok, n, 2000, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT(has(d.reason, "exp: the token has expired"));
    n = make_jwt(K_STD_HEADER, "{\"exp\":2000}", "k", tok, sizeof tok); /* no nbf: valid from the start of time */
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, tok, n, 0, mem.bytes, sizeof mem.bytes, &c, &d));
    n = make_jwt(K_STD_HEADER, "{\"exp\":0}", "k", tok, sizeof tok);
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(&key, 1, tok, n, 1, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT(has(d.reason, "expired"));
    PASS();
}

/* Any key of the list signs; a NULL key is the empty key; arguments are checked. */
TEST verify_keys_and_arguments(void) {
    wps_slice keys[3];
    wps_token_claims c;
    wps_diag d;
    char tok[512];
    size_t n = make_jwt(K_STD_HEADER, "{\"exp\":" FAR_EXP "}", "", tok, sizeof tok);
    keys[0] = wps_slice_from_cstr("a");
    keys[1] = wps_slice_from_cstr("b");
    keys[2] = wps_slice_make(NULL, 7); /* no key text: the empty key */
    ASSERT_EQ(WPS_OK, wps_token_verify(keys, 3, tok, n, NOW, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_token_verify(keys, 2, tok, n, NOW, mem.bytes, sizeof mem.bytes, &c, &d));
    n = make_jwt(K_STD_HEADER, "{\"exp\":" FAR_EXP "}", "b", tok, sizeof tok);
    ASSERT_EQ(WPS_OK, wps_token_verify(keys, 3, tok, n, NOW, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_token_verify(keys, 3, tok, n, NOW, mem.bytes, sizeof mem.bytes, NULL, &d));
    ASSERT(has(d.reason, "NULL argument or no key"));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_token_verify(keys, 3, NULL, n, NOW, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_token_verify(NULL, 3, tok, n, NOW, mem.bytes, sizeof mem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_token_verify(keys, 0, tok, n, NOW, mem.bytes, sizeof mem.bytes, &c, NULL));
    PASS();
}

/* wps_token_memory_bound(len) is enough; less is refused with BUFFER_TOO_SMALL only, and nothing
   is written past mem_cap. */
TEST verify_memory_rules(void) {
    wps_slice key = wps_slice_from_cstr("k");
    wps_token_claims c;
    wps_diag d;
    char tok[512];
    size_t n = make_jwt(K_STD_HEADER, "{\"exp\":" FAR_EXP ",\"role\":[\"a\",\"b\",\"c\",\"d\"],\"sub\":\"x\\\"y\"}", "k", tok, sizeof tok);
    size_t bound = wps_token_memory_bound(n), cap;
    int ok_seen = 0;
    ASSERT(bound < sizeof mem.bytes - 16);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_token_verify(&key, 1, tok, n, NOW, NULL, 0, &c, &d));
    ASSERT_EQ(bound, d.needed);
    ASSERT(has(d.reason, "wps_token_memory_bound"));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_token_verify(&key, 1, tok, n, NOW, NULL, bound, &c, NULL));
    for (cap = 0; cap <= bound; cap++) {
        size_t k;
        wps_status st;
        memset(mem.bytes, 0xA5, bound + 16);
        st = wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, cap, &c, &d);
        ASSERTm("only OK or BUFFER_TOO_SMALL", st == WPS_OK || st == WPS_ERR_BUFFER_TOO_SMALL);
        ASSERTm("once it fits, more memory fits too", !(ok_seen && st != WPS_OK));
        ASSERT_EQm("the same without diag", st, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, cap, &c, NULL));
        for (k = cap; k < bound + 16; k++) ASSERTm("a byte past mem_cap was written", (unsigned char)mem.bytes[k] == 0xA5);
        if (st == WPS_OK) ok_seen = 1;
        else if (d.needed <= bound) /* the figure reported is enough (it was the arena's part only before the review) */
            ASSERT_EQm("diag.needed is enough", WPS_OK, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, d.needed, &c, NULL));
    }
    ASSERT(ok_seen);
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, bound, &c, &d));
    ASSERT(c.role_count == 4 && slice_eq(c.roles[3], "d") && slice_eq(c.sub, "x\"y"));
    ASSERT((const char *)c.roles >= mem.bytes && (const char *)(c.roles + 4) <= mem.bytes + bound);
    ASSERT(c.sub.ptr >= mem.bytes && c.sub.ptr + c.sub.len <= mem.bytes + bound);
    PASS();
}

/* The bound holds for a token that is all role array: the most slices per byte. */
TEST verify_memory_bound_covers_the_densest_token(void) {
    static char claims[6000], tok[9000];
    wps_slice key = wps_slice_from_cstr("k");
    wps_token_claims c;
    size_t n, i, at;
    strcpy(claims, "{\"exp\":" FAR_EXP ",\"role\":[");
    at = strlen(claims);
    for (i = 0; i < 1000; i++) {
        memcpy(claims + at, i ? ",\"\"" : "\"\"", i ? 3u : 2u);
        at += i ? 3u : 2u;
    }
    strcpy(claims + at, "],\"webpubsub.group\":[\"\\n\",\"\"]}");
    n = make_jwt(K_STD_HEADER, claims, "k", tok, sizeof tok);
    ASSERT(n > 0 && wps_token_memory_bound(n) <= sizeof mem.bytes);
    ASSERT_EQ(WPS_OK, wps_token_verify(&key, 1, tok, n, NOW, mem.bytes, wps_token_memory_bound(n), &c, NULL));
    ASSERT(c.role_count == 1000 && c.group_count == 2 && slice_eq(c.groups[0], "\n") && c.roles[999].len == 0);
    PASS();
}

/* ---------------------------------------------------------------- >>crypto and >>base edges */

TEST hmac_with_an_empty_key(void) {
    static const unsigned char expect[32] = {0xb6, 0x13, 0x67, 0x9a, 0x08, 0x14, 0xd9, 0xec, 0x77, 0x2f, 0x95, 0xd7, 0x78, 0xc3, 0x5f, 0xc5,
                                             0xff, 0x16, 0x97, 0xc4, 0x93, 0x71, 0x56, 0x53, 0xc6, 0xc7, 0x12, 0x14, 0x42, 0x92, 0xc5, 0xad};
    unsigned char mac[32];
    wps_hmac_sha256("", 0, "", 0, mac); /* HMAC-SHA256("", "") */
    ASSERT(memcmp(mac, expect, 32) == 0);
    PASS();
}

TEST percent_encode_measures_without_writing(void) {
    char out[16];
    size_t i;
    memset(out, '#', sizeof out);
    ASSERT_EQ(9u, wps_percent_encode("a b/c", 5, out, 8)); /* "a%20b%2Fc" */
    for (i = 0; i < sizeof out; i++) ASSERTm("nothing is written when it does not fit", out[i] == '#');
    ASSERT_EQ(9u, wps_percent_encode("a b/c", 5, out, 9));
    ASSERT(memcmp(out, "a%20b%2Fc#", 10) == 0);
    PASS();
}

TEST protocol_name_edges(void) {
    wps_protocol p = WPS_PROTOCOL_JSON;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_protocol_from_name("json.webpubsub.azure.v1", 23, NULL));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_protocol_from_name(NULL, 0, &p));
    ASSERT(wps_protocol_is_reliable(WPS_PROTOCOL_PROTOBUF_RELIABLE));
    ASSERT(wps_protocol_is_reliable(WPS_PROTOCOL_JSON_RELIABLE));
    ASSERT_FALSE(wps_protocol_is_reliable(WPS_PROTOCOL_PROTOBUF));
    PASS();
}

/* ---- connection strings, tokens, verification (first written in the service suite) */

/* ---------------------------------------------------------------- connection strings */

typedef struct cs_case {
    const char *name;
    const char *text;
    wps_status status;
    const char *endpoint; /* effective endpoint on success */
    const char *key;
} cs_case;

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

/* Splits a JWT, checks the header and the signature with key, and copies the claims JSON. */

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
TEST token_verify(void) {
    static const char v2[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZGQiLCJuYmYiOjE2MjkxODMzNzQsImV4cCI6MTYyOTE4Njk3NCwiaWF0IjoxNjI5MTgzMzc0"
                             "LCJhdWQiOiJodHRwOi8vbG9jYWxob3N0OjgwODAvY2xpZW50L2h1YnMvY2hhdCJ9.tqD8ykjv5NmYw6gzLKglUAv-c-AVWu-KNZOptRKkgMM";
    static const char cstr[] = "Endpoint=http://localhost;Port=8080;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;";
    static union {
        void *align;
        char bytes[4096];
    } vmem;
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
    ASSERT(wps_token_memory_bound(sizeof v2 - 1) <= sizeof vmem.bytes);
    ASSERT_EQ(WPS_OK, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629183400, vmem.bytes, sizeof vmem.bytes, &c, &d));
    ASSERT(slice_is(c.sub, "ddd") && slice_is(c.aud, "http://localhost:8080/client/hubs/chat"));
    ASSERT(c.iat == 1629183374 && c.nbf == 1629183374 && c.exp == 1629186974 && c.role_count == 0);
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629186974, vmem.bytes, sizeof vmem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_TOKEN_EXPIRED, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629183373, vmem.bytes, sizeof vmem.bytes, &c, &d)); /* nbf */
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_token_verify(keys, 1, v2, sizeof v2 - 1, 1629183400, vmem.bytes, sizeof vmem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_token_verify(keys, 2, v2, sizeof v2 - 1, 1629183400, vmem.bytes, 10, &c, &d));
    /* a flipped claims byte breaks the signature */
    memcpy(bad, v2, sizeof v2);
    bad[40] = bad[40] == 'A' ? 'B' : 'A';
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_token_verify(keys, 2, bad, sizeof v2 - 1, 1629183400, vmem.bytes, sizeof vmem.bytes, &c, &d));
    /* malformed: two parts, a bad alphabet, alg none */
    ASSERT_EQ(WPS_ERR_TOKEN, wps_token_verify(keys, 2, "a.b", 3, 0, vmem.bytes, sizeof vmem.bytes, &c, &d));
    ASSERT_EQ(WPS_ERR_TOKEN, wps_token_verify(keys, 2, "a*.b.c", 6, 0, vmem.bytes, sizeof vmem.bytes, &c, &d));
    {
        static const char none[] = "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; /* {"alg":"none"} */
        ASSERT_EQ(WPS_ERR_TOKEN, wps_token_verify(keys, 2, none, sizeof none - 1, 0, vmem.bytes, sizeof vmem.bytes, &c, &d));
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
    ASSERT_EQ(WPS_OK, wps_token_verify(keys + 1, 1, tok, n, 1700000001, vmem.bytes, sizeof vmem.bytes, &c, &d));
    ASSERT(slice_is(c.sub, "u \"1\"") && c.role_count == 2 && slice_is(c.roles[1], "webpubsub.sendToGroup.g1"));
    ASSERT(c.group_count == 1 && slice_is(c.groups[0], "g1") && slice_is(c.aud, "http://localhost:8080/client/hubs/chat"));
    PASS();
}


SUITE(tokens) {
    RUN_TEST(connection_string_rules_and_reasons);
    RUN_TEST(connection_string_fields_point_into_the_text);
    RUN_TEST(connection_string_length_and_null_arguments);
    RUN_TEST(connection_string_endpoint_sizes);
    RUN_TEST(ipv6_endpoints_keep_their_host);
    RUN_TEST(null_outputs_with_a_capacity_only_measure);
    RUN_TEST(web_pubsub_token_and_url_match_reference_bytes);
    RUN_TEST(signalr_token_matches_reference_bytes);
    RUN_TEST(signalr_client_endpoint_keeps_its_own_port);
    RUN_TEST(token_and_url_sizes_are_exact);
    RUN_TEST(hub_names_follow_the_service_pattern);
    RUN_TEST(endpoints_must_be_plain_hosts);
    RUN_TEST(token_lifetime_past_the_largest_time_is_refused);
    RUN_TEST(web_pubsub_tokens_ignore_client_endpoint);
    RUN_TEST(token_arguments_are_checked_before_signing);
    RUN_TEST(signalr_refuses_web_pubsub_only_options);
    RUN_TEST(token_times_are_64_bit_seconds);
    RUN_TEST(signalr_token_round_trips_through_verify);
    RUN_TEST(verify_refuses_malformed_tokens);
    RUN_TEST(verify_decodes_every_claim_shape);
    RUN_TEST(verify_reads_the_whole_base64url_alphabet);
    RUN_TEST(verify_time_window);
    RUN_TEST(verify_keys_and_arguments);
    RUN_TEST(verify_memory_rules);
    RUN_TEST(verify_memory_bound_covers_the_densest_token);
    RUN_TEST(hmac_with_an_empty_key);
    RUN_TEST(percent_encode_measures_without_writing);
    RUN_TEST(protocol_name_edges);
    RUN_TEST(endpoint_hosts_are_checked);
    RUN_TEST(connection_strings);
    RUN_TEST(client_access_urls_and_tokens);
    RUN_TEST(signalr_client_token);
    RUN_TEST(token_verify);
}
