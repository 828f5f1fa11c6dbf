/* Tests of wps.h section >>webhooks (see the header's contents): signatures and abuse protection,
   CloudEvents headers, the connect / disconnected / connect-response bodies, the MQTT codes, the
   webhook request builder, SignalR upstream and wps_rest_parse_groups_request.
   The facts are docs/service-rules.md sections 4 and 6; the basic cases come first in this file
   ("webhooks"), the cases here are the edges: every malformed field, every reject path, memory
   sizes, argument checks. */
#include "../wps.h"
#include "harness.h"
#include "test_util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* docs/service-rules.md vector #1: key, connection id and the expected signature. */
#define V1_KEY "7aab239577fd4f24bc919802fb629f5f"
#define V1_CONN "0f9c97a2f0bf4706afe87a14e0797b11"
#define V1_HEX "7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab561"
#define V1_HEX_UPPER "7767EFFCB3946F3E1DE039DF4B986EF02C110B1469D02C0A06F41B3B727AB561"
/* HMAC-SHA256(key "second", V1_CONN) and HMAC-SHA256("", ""), computed independently (Python hmac). */
#define SECOND_HEX "38c537bef5460d89dc590bdee00fdbc29014bfa7f486717c0cbe2054696c99bc"
#define EMPTY_HEX "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"

static wps_slice S(const char *c) { return wps_slice_from_cstr(c); }
static int reason_has(const wps_diag *d, const char *part) { return strstr(d->reason, part) != NULL; }

/* ------------------------------------------------------------------ a bounded text dump of results */

typedef struct dump {
    char s[1024];
    size_t n;
} dump;

static void dput(dump *d, const char *p, size_t n) {
    if (n > sizeof d->s - 1 - d->n) n = sizeof d->s - 1 - d->n;
    memcpy(d->s + d->n, p, n);
    d->n += n;
    d->s[d->n] = 0;
}
static void dstr(dump *d, const char *c) { dput(d, c, strlen(c)); }
static void dslice(dump *d, wps_slice s) {
    if (s.ptr) dput(d, s.ptr, s.len);
    else dstr(d, "~"); /* absent */
}
static void dnum(dump *d, unsigned long v) {
    char b[24];
    int n = snprintf(b, sizeof b, "%lu", v);
    dput(d, b, (size_t)n);
}
static void dpairs(dump *d, const char *tag, const wps_webhook_pair *p, size_t n) {
    size_t i;
    dstr(d, tag);
    dstr(d, "[");
    for (i = 0; i < n; i++) {
        if (i) dstr(d, ",");
        dslice(d, p[i].name);
        dstr(d, "=");
        dslice(d, p[i].value);
    }
    dstr(d, "]");
}
static void dslices(dump *d, const char *tag, const wps_slice *s, size_t n) {
    size_t i;
    dstr(d, tag);
    dstr(d, "[");
    for (i = 0; i < n; i++) {
        if (i) dstr(d, ",");
        dslice(d, s[i]);
    }
    dstr(d, "]");
}

/* ------------------------------------------------------------------ signatures (docs/service-rules.md 4.2) */

/* An absent key or connection id signs as the empty string: HMAC-SHA256("", ""). */
TEST signature_of_absent_key_and_connection_id_is_the_empty_hmac(void) {
    char sig[72];
    wps_webhook_signature(wps_slice_make(NULL, 5), wps_slice_make(NULL, 3), sig);
    sig[71] = 0;
    ASSERT_STR_EQ("sha256=" EMPTY_HEX, sig);
    wps_webhook_signature(S(V1_KEY), S(V1_CONN), sig);
    sig[71] = 0;
    ASSERT_STR_EQ("sha256=" V1_HEX, sig); /* vector #1 */
    PASS();
}

/* The header is split on ',' and ' ' (empty parts dropped, as .NET); every part is "sha256=" + 64
   hex digits, compared case-insensitively; anything else never matches. */
TEST verify_signature_splits_on_commas_and_spaces(void) {
    static const struct {
        const char *what, *header;
        wps_status status;
    } cases[] = {
        {"separators before and after the part", ", ,sha256=" V1_HEX ", ", WPS_OK},
        {"a space between two parts, the good one second", "sha256=" SECOND_HEX " sha256=" V1_HEX, WPS_OK},
        {"prefix and hex in upper case", "SHA256=" V1_HEX_UPPER, WPS_OK},
        {"a part one character too long", "sha256=" V1_HEX "0", WPS_ERR_SIGNATURE},
        {"a part one character too short", "sha256=7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab56", WPS_ERR_SIGNATURE},
        {"another prefix of the same length", "sha512=" V1_HEX, WPS_ERR_SIGNATURE},
        {"the hex alone", V1_HEX, WPS_ERR_SIGNATURE},
        {"a part glued to the next by ';'", "sha256=" V1_HEX ";sha256=" V1_HEX, WPS_ERR_SIGNATURE},
        {"only separators", " , ,", WPS_ERR_SIGNATURE},
    };
    wps_slice keys[1];
    size_t i;
    keys[0] = S(V1_KEY);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_diag d;
        wps_status st = wps_webhook_verify_signature(S(V1_CONN), S(cases[i].header), keys, 1, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st != WPS_OK) ASSERTm(cases[i].what, reason_has(&d, "ce-signature: no part of the signature matches an access key"));
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_verify_signature(S(V1_CONN), S(cases[i].header), keys, 1, NULL));
    }
    PASS();
}

TEST verify_signature_fails_closed_on_bad_arguments(void) {
    wps_slice keys[1];
    wps_diag d;
    keys[0] = S(V1_KEY);
    /* a header slice without text is a missing header: no match */
    ASSERT_EQ(WPS_ERR_SIGNATURE, wps_webhook_verify_signature(S(V1_CONN), wps_slice_make(NULL, 71), keys, 1, &d));
    /* keys NULL with a count: nothing to verify with */
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_verify_signature(S(V1_CONN), S("sha256=" V1_HEX), NULL, 1, &d));
    ASSERT(reason_has(&d, "no access key"));
    PASS();
}

/* docs/service-rules.md 4.3 and vector #11: the preflight's origin check. */
TEST check_origin_splits_and_compares_hosts(void) {
    static const struct {
        const char *what, *origin; /* origin NULL: a slice without text */
        int hosts;                 /* 0: none (any origin), 1: the vector's host, 2: a NULL entry then the vector's host, 3: only a NULL entry */
        wps_status status;
        const char *reason;
    } cases[] = {
        {"origins separated by a space", "a.example my-host.webpubsub.net", 1, WPS_OK, NULL},
        {"a NULL allowed entry is skipped", "my-host.webpubsub.net", 2, WPS_OK, NULL},
        {"only a NULL allowed entry", "my-host.webpubsub.net", 3, WPS_ERR_ORIGIN, "Abuse Protection validation failed."},
        {"a longer host with the allowed one as prefix", "my-host.webpubsub.net.evil", 1, WPS_ERR_ORIGIN, "Abuse Protection validation failed."},
        {"a prefix of the allowed host", "my-host", 1, WPS_ERR_ORIGIN, "Abuse Protection validation failed."},
        {"a host differing in the last character", "my-host.webpubsub.nex", 1, WPS_ERR_ORIGIN, "Abuse Protection validation failed."},
        {"a missing header (no text)", NULL, 1, WPS_ERR_ORIGIN, "WebHook-Request-Origin: missing WebHook-Request-Origin"},
        {"a missing header with no allow-list", NULL, 0, WPS_ERR_ORIGIN, "missing WebHook-Request-Origin"},
        {"any origin with no allow-list, after separators", " ,x", 0, WPS_OK, NULL},
    };
    wps_slice hosts[2];
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_diag d;
        const wps_slice *list = hosts;
        size_t count = 0;
        wps_slice origin = cases[i].origin ? S(cases[i].origin) : wps_slice_make(NULL, 8);
        hosts[0] = wps_slice_make(NULL, 21);
        hosts[1] = S("MY-HOST.webpubsub.net");
        switch (cases[i].hosts) {
        case 1: list = hosts + 1, count = 1; break;
        case 2: count = 2; break;
        case 3: count = 1; break;
        default: list = NULL; break;
        }
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_check_origin(origin, list, count, &d));
        if (cases[i].reason) ASSERTm(cases[i].what, reason_has(&d, cases[i].reason));
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_check_origin(origin, list, count, NULL));
    }
    {
        wps_diag d;
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_check_origin(S("my-host.webpubsub.net"), NULL, 1, &d));
        ASSERT(reason_has(&d, "NULL allowed hosts"));
    }
    PASS();
}

/* An allowed entry may be an endpoint: its host is compared, not its scheme, port or path. The
   service sends its host without a port (the emulator: "WebHook-Request-Origin: 127.0.0.1"), and
   the .NET handler compares each configured endpoint's host; a new user passed the endpoint
   "127.0.0.1:18080" and got 400 where the host was meant. */
TEST check_origin_takes_the_host_of_an_endpoint(void) {
    static const struct {
        const char *allowed, *origin;
        wps_status status;
    } cases[] = {
        {"http://127.0.0.1:18080", "127.0.0.1", WPS_OK},
        {"127.0.0.1:18080", "127.0.0.1", WPS_OK},
        {"HTTPS://My-Host.webpubsub.net/", "my-host.webpubsub.net", WPS_OK},
        {"https://my-host.webpubsub.net/base/path", "MY-HOST.WEBPUBSUB.NET", WPS_OK},
        {"http://[::1]:8080", "[::1]", WPS_OK},
        {"my-host.webpubsub.net", "my-host.webpubsub.net:443", WPS_OK}, /* an origin's port is no part of the host either */
        {"http://127.0.0.1:18080", "127.0.0.2", WPS_ERR_ORIGIN},
        {"https://my-host.webpubsub.net", "my-host.webpubsub.net.evil", WPS_ERR_ORIGIN},
        {"https://my-host.webpubsub.net", "https", WPS_ERR_ORIGIN},
        {"not a host!", "not", WPS_ERR_ORIGIN}, /* not an endpoint: compared as it is */
        {"not a host!", "not a host!", WPS_ERR_ORIGIN}, /* the origin header splits on spaces */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_slice allowed = S(cases[i].allowed);
        wps_diag d;
        ASSERT_EQm(cases[i].allowed, cases[i].status, wps_webhook_check_origin(S(cases[i].origin), &allowed, 1, &d));
    }
    PASS();
}

/* ------------------------------------------------------------------ CloudEvents headers (docs/service-rules.md 4.1) */

typedef struct hpair {
    const char *n, *v;
} hpair;
static const char NULL_NAME[] = "(a header whose name has no text)";
static const char NULL_VALUE[] = "(a header whose value has no text)";

static size_t make_headers(const hpair *p, size_t max, wps_http_header *h) {
    size_t n;
    for (n = 0; n < max && (p[n].n || p[n].v); n++) {
        h[n].name = p[n].n == NULL_NAME ? wps_slice_make(NULL, 6) : S(p[n].n);
        h[n].value = p[n].v == NULL_VALUE ? wps_slice_make(NULL, 6) : S(p[n].v);
    }
    return n;
}

static void dump_event(dump *d, const wps_webhook_event *e) {
    dstr(d, "kind=");
    dnum(d, (unsigned long)e->kind);
    dstr(d, " data=");
    dnum(d, (unsigned long)e->data_type);
    dstr(d, " mqtt=");
    dnum(d, e->is_mqtt ? 1ul : 0ul);
    dstr(d, " user=");
    dslice(d, e->user_id);
    dstr(d, " sub=");
    dslice(d, e->subprotocol);
    dstr(d, " ct=");
    dslice(d, e->content_type);
}

#define WH_REQUIRED(type) {"ce-awpsversion", "1.0"}, {"ce-type", type}, {"ce-hub", "chat"}, {"ce-connectionId", "c1"}, {"ce-eventName", "e"}

typedef struct parse_case {
    const char *what;
    hpair h[9];
    wps_status status;
    const char *expect; /* the event's dump on success, a reason substring on failure */
} parse_case;

TEST parse_headers_edge_cases(void) {
    static const parse_case cases[] = {
        {"a header whose name has no text is skipped", {WH_REQUIRED("azure.webpubsub.sys.connected"), {NULL_NAME, "x"}}, WPS_OK,
         "kind=2 data=0 mqtt=0 user=~ sub=~ ct=~"},
        {"an optional header without text is present and empty", {WH_REQUIRED("azure.webpubsub.sys.connect"), {"ce-userId", NULL_VALUE}}, WPS_OK,
         "kind=1 data=0 mqtt=0 user= sub=~ ct=~"},
        {"unknown headers are ignored", {WH_REQUIRED("azure.webpubsub.sys.disconnected"), {"X-Other", "1"}, {"ce-extension", "2"}}, WPS_OK,
         "kind=3 data=0 mqtt=0 user=~ sub=~ ct=~"},
        {"system event names ignore case", {WH_REQUIRED("azure.webpubsub.sys.CONNECT")}, WPS_OK, "kind=1 data=0 mqtt=0 user=~ sub=~ ct=~"},
        {"a longer system event name is another system event", {WH_REQUIRED("azure.webpubsub.sys.connecting")}, WPS_OK,
         "kind=5 data=0 mqtt=0 user=~ sub=~ ct=~"},
        {"a Content-Type with leading spaces", {WH_REQUIRED("azure.webpubsub.user.message"), {"Content-Type", "  text/plain"}}, WPS_OK,
         "kind=4 data=1 mqtt=0 user=~ sub=~ ct=  text/plain"},
        {"mqtt without a physical connection id is not MQTT", {WH_REQUIRED("azure.webpubsub.sys.connect"), {"ce-subprotocol", "mqtt"}}, WPS_OK,
         "kind=1 data=0 mqtt=0 user=~ sub=mqtt ct=~"},
        {"another subprotocol with a physical connection id is not MQTT",
         {WH_REQUIRED("azure.webpubsub.sys.connect"), {"ce-subprotocol", "json.webpubsub.azure.v1"}, {"ce-physicalConnectionId", "p"}}, WPS_OK,
         "kind=1 data=0 mqtt=0 user=~ sub=json.webpubsub.azure.v1 ct=~"},
        {"MQTT in capitals with a physical connection id is MQTT",
         {WH_REQUIRED("azure.webpubsub.sys.connected"), {"ce-subprotocol", "MQTT"}, {"ce-physicalconnectionid", "p"}}, WPS_OK,
         "kind=2 data=0 mqtt=1 user=~ sub=MQTT ct=~"},
        {"no header at all", {{NULL, NULL}}, WPS_ERR_MISSING_FIELD, "ce-awpsversion: required header missing"},
        {"a required header with an empty value",
         {{"ce-awpsversion", "1.0"}, {"ce-type", "azure.webpubsub.sys.connect"}, {"ce-hub", ""}, {"ce-connectionId", "c"}, {"ce-eventName", "e"}},
         WPS_ERR_MISSING_FIELD, "ce-hub: required header missing"},
        {"a required header whose value has no text",
         {{"ce-awpsversion", "1.0"}, {"ce-type", "azure.webpubsub.sys.connect"}, {"ce-hub", "h"}, {"ce-connectionId", NULL_VALUE}, {"ce-eventName", "e"}},
         WPS_ERR_MISSING_FIELD, "ce-connectionId: required header missing"},
        {"ce-hub twice, the names in different case", {WH_REQUIRED("azure.webpubsub.sys.connect"), {"CE-HUB", "chat"}}, WPS_ERR_DUPLICATE_KEY,
         "ce-hub: the header appears more than once"},
        {"ce-signature twice", {WH_REQUIRED("azure.webpubsub.sys.connect"), {"ce-signature", "a"}, {"ce-Signature", "b"}}, WPS_ERR_DUPLICATE_KEY,
         "ce-signature: the header appears more than once"},
        {"Content-Type twice",
         {WH_REQUIRED("azure.webpubsub.user.message"), {"Content-Type", "text/plain"}, {"content-type", "text/plain"}}, WPS_ERR_DUPLICATE_KEY,
         "Content-Type: the header appears more than once"},
        {"a user event without Content-Type", {WH_REQUIRED("azure.webpubsub.user.message")}, WPS_ERR_UNSUPPORTED, "Content-Type: a user event"},
        {"a user event with an empty Content-Type", {WH_REQUIRED("azure.webpubsub.user.message"), {"Content-Type", ""}}, WPS_ERR_UNSUPPORTED,
         "Content-Type: a user event"},
        {"ce-type azure.webpubsub.sys. without an event", {WH_REQUIRED("azure.webpubsub.sys.")}, WPS_ERR_INVALID_MESSAGE, "ce-type: not an"},
        {"ce-type azure.webpubsub.user. without an event", {WH_REQUIRED("azure.webpubsub.user.")}, WPS_ERR_INVALID_MESSAGE, "ce-type: not an"},
        {"ce-type with another azure.webpubsub. prefix", {WH_REQUIRED("azure.webpubsub.userland.x")}, WPS_ERR_INVALID_MESSAGE, "ce-type: not an"},
        {"ce-type prefix in another case (prefixes are exact, as in JS)", {WH_REQUIRED("Azure.WebPubSub.sys.connect")}, WPS_ERR_INVALID_MESSAGE,
         "ce-type: not an"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_http_header h[9];
        wps_webhook_event e;
        wps_diag d;
        size_t n = make_headers(cases[i].h, 9, h);
        wps_status st = wps_webhook_parse(h, n, &e, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st == WPS_OK) {
            dump x;
            x.n = 0;
            x.s[0] = 0;
            dump_event(&x, &e);
            ASSERT_STR_EQm(cases[i].what, cases[i].expect, x.s);
        } else {
            ASSERT_EQm(cases[i].what, cases[i].status, d.status);
            ASSERTm(cases[i].what, reason_has(&d, cases[i].expect));
        }
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_parse(h, n, &e, NULL));
    }
    PASS();
}

TEST parse_headers_refuses_null_arguments(void) {
    wps_http_header h[5];
    wps_webhook_event e;
    wps_diag d;
    static const hpair req[] = {WH_REQUIRED("azure.webpubsub.sys.connect"), {NULL, NULL}};
    size_t n = make_headers(req, 5, h);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_parse(h, n, NULL, &d));
    ASSERT(reason_has(&d, "NULL argument"));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_parse(NULL, 1, &e, &d));
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_webhook_parse(NULL, 0, &e, &d)); /* no headers: the first required one is missing */
    ASSERT_EQ(WPS_OK, wps_webhook_parse(h, n, &e, &d));
    PASS();
}

TEST data_type_from_content_type(void) {
    static const struct {
        const char *ct; /* NULL: a slice without text */
        int ok;
        wps_data_type dt;
    } cases[] = {
        {"text/plain", 1, WPS_DATA_TEXT},
        {"  application/json", 1, WPS_DATA_JSON},
        {"application/octet-stream ; q=1", 1, WPS_DATA_BINARY},
        {"TEXT/PLAIN;charset=utf-8", 1, WPS_DATA_TEXT},
        {"", 0, WPS_DATA_JSON},
        {"   ", 0, WPS_DATA_JSON},
        {"application/jsonx", 0, WPS_DATA_JSON},
        {"text/html", 0, WPS_DATA_JSON},
        {NULL, 0, WPS_DATA_JSON},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *what = cases[i].ct ? cases[i].ct : "(no text)";
        wps_slice ct = cases[i].ct ? S(cases[i].ct) : wps_slice_make(NULL, 4);
        wps_data_type dt = WPS_DATA_PROTOBUF;
        ASSERT_EQm(what, cases[i].ok, wps_webhook_data_type(ct, &dt) ? 1 : 0);
        ASSERT_EQm(what, cases[i].ok ? cases[i].dt : WPS_DATA_PROTOBUF, dt); /* untouched when false */
        ASSERT_EQm(what, cases[i].ok, wps_webhook_data_type(ct, NULL) ? 1 : 0); /* the answer without an out */
    }
    PASS();
}

/* wps_webhook_accept: the paths not in webhook_request_checks (below). */
TEST accept_applies_only_the_configured_checks(void) {
    static const struct {
        const char *what;
        int null_options;
        const char *hub;  /* the served hub; NULL: any */
        int keys;         /* 0: no signature check; 2: "second" then the vector #1 key */
        const char *sig;  /* ce-signature; NULL: left out */
        const char *origin_allowed; /* NULL: any origin */
        wps_status status;
        unsigned reject;
        const char *reason;
    } cases[] = {
        {"NULL options", 1, NULL, 0, NULL, NULL, WPS_ERR_INVALID_ARGUMENT, 400, "NULL options"},
        {"any hub, no key, any origin", 0, NULL, 0, NULL, NULL, WPS_OK, 0, NULL},
        {"no key configured: a bad signature is not checked", 0, "chat", 0, "sha256=" SECOND_HEX, NULL, WPS_OK, 0, NULL},
        {"a hub of the same length with another name", 0, "chan", 0, NULL, NULL, WPS_ERR_WRONG_HUB, 400, "ce-hub: Hub is not registered."},
        {"a longer hub name", 0, "chats", 0, NULL, NULL, WPS_ERR_WRONG_HUB, 400, "Hub is not registered."},
        {"the secondary key's signature in upper case", 0, "CHAT", 2, "SHA256=" V1_HEX_UPPER, NULL, WPS_OK, 0, NULL},
        {"both keys' signatures (key rotation)", 0, "chat", 2, "sha256=" SECOND_HEX ",sha256=" V1_HEX, NULL, WPS_OK, 0, NULL},
        {"the origin allowed, the signature wrong", 0, "chat", 2, "sha256=" EMPTY_HEX, "my-host.webpubsub.net", WPS_ERR_SIGNATURE, 401,
         "ce-signature"},
        {"the origin checked before the signature", 0, "chat", 2, "sha256=" EMPTY_HEX, "elsewhere.net", WPS_ERR_ORIGIN, 400,
         "Abuse Protection validation failed."},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hpair p[9] = {WH_REQUIRED("azure.webpubsub.sys.connected"), {"WebHook-Request-Origin", "my-host.webpubsub.net"}, {NULL, NULL}, {NULL, NULL},
                      {NULL, NULL}};
        wps_http_header h[9];
        wps_webhook_options o;
        wps_webhook_event e;
        wps_slice keys[2], origins[1];
        uint16_t reject = 999;
        wps_diag d;
        size_t n;
        p[3].v = V1_CONN;
        if (cases[i].sig) p[6].n = "ce-signature", p[6].v = cases[i].sig;
        n = make_headers(p, 9, h);
        keys[0] = S("second");
        keys[1] = S(V1_KEY);
        memset(&o, 0, sizeof o);
        o.hub = cases[i].hub ? S(cases[i].hub) : wps_slice_make(NULL, 0);
        o.keys = keys;
        o.key_count = (size_t)cases[i].keys;
        if (cases[i].origin_allowed) {
            origins[0] = S(cases[i].origin_allowed);
            o.allowed_origins = origins;
            o.allowed_origin_count = 1;
        }
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_accept(cases[i].null_options ? NULL : &o, h, n, &e, &reject, &d));
        ASSERT_EQm(cases[i].what, cases[i].reject, (unsigned)reject);
        if (cases[i].reason) ASSERTm(cases[i].what, reason_has(&d, cases[i].reason));
        else ASSERTm(cases[i].what, slice_is(e.connection_id, V1_CONN) && e.kind == WPS_WEBHOOK_CONNECTED);
        /* the answer is the same without a place for the status or the details */
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_accept(cases[i].null_options ? NULL : &o, h, n, &e, NULL, NULL));
    }
    PASS();
}

/* ------------------------------------------------------------------ the connect body (docs/service-rules.md 4.4) */

typedef union wmem {
    void *align;
    double d;
    char bytes[4096];
} wmem;

static void dump_connect(dump *d, const wps_webhook_connect_request *c) {
    size_t i;
    dpairs(d, "claims", c->claims, c->claim_count);
    dpairs(d, " query", c->query, c->query_count);
    dpairs(d, " headers", c->headers, c->header_count);
    dslices(d, " sub", c->subprotocols, c->subprotocol_count);
    dstr(d, " certs[");
    for (i = 0; i < c->client_certificate_count; i++) {
        if (i) dstr(d, ",");
        dslice(d, c->client_certificates[i].thumbprint);
        dstr(d, "=");
        dslice(d, c->client_certificates[i].content);
    }
    dstr(d, "]");
    if (c->has_mqtt) {
        dstr(d, " mqtt v");
        dnum(d, (unsigned long)c->mqtt_protocol_version);
        dstr(d, " user=");
        dslice(d, c->mqtt_username);
        dstr(d, " pass=");
        dslice(d, c->mqtt_password);
        dpairs(d, " props", c->mqtt_user_properties, c->mqtt_user_property_count);
    }
}

typedef struct body_case {
    const char *what;
    const char *body;
    wps_status status;
    const char *expect; /* the dump on success, a reason substring on failure */
} body_case;

#define EMPTY_CONNECT "claims[] query[] headers[] sub[] certs[]"

TEST connect_body_every_field_well_and_badly_formed(void) {
    static const body_case cases[] = {
        {"every member null", "{\"claims\":null,\"query\":null,\"headers\":null,\"subprotocols\":null,\"clientCertificates\":null,\"mqtt\":null}", WPS_OK,
         EMPTY_CONNECT},
        {"null values in a claim array and a null claim are skipped", "{\"claims\":{\"a\":[null,\"x\",null],\"b\":null}}", WPS_OK,
         "claims[a=x] query[] headers[] sub[] certs[]"},
        {"null subprotocols are skipped", "{\"subprotocols\":[null,\"p\",\"q\"]}", WPS_OK, "claims[] query[] headers[] sub[p,q] certs[]"},
        {"escaped names and values are unescaped", "{\"headers\":{\"X-\\u0041\":[\"a\\\"b\",\"c\"]},\"query\":{\"q\":\"\\/\"}}", WPS_OK,
         "claims[] query[q=/] headers[X-A=a\"b,X-A=c] sub[] certs[]"},
        {"a certificate with its thumbprint only", "{\"clientCertificates\":[{\"thumbprint\":\"t1\"},{\"thumbprint\":\"t2\",\"content\":null,\"x\":1}]}",
         WPS_OK, "claims[] query[] headers[] sub[] certs[t1=~,t2=~]"},
        {"an mqtt object with unknown members only", "{\"mqtt\":{\"other\":1}}", WPS_OK, EMPTY_CONNECT " mqtt v0 user=~ pass=~ props[]"},
        {"the largest protocolVersion", "{\"mqtt\":{\"protocolVersion\":4294967295,\"username\":null}}", WPS_OK,
         EMPTY_CONNECT " mqtt v4294967295 user=~ pass=~ props[]"},
        {"two user properties", "{\"mqtt\":{\"protocolVersion\":4,\"userProperties\":[{\"name\":\"a\",\"value\":\"1\"},{\"value\":\"2\",\"name\":\"b\"}]}}",
         WPS_OK, EMPTY_CONNECT " mqtt v4 user=~ pass=~ props[a=1,b=2]"},
        {"unknown members of the body are ignored", "{\"x\":{\"claims\":1},\"claimsX\":[]}", WPS_OK, EMPTY_CONNECT},
        /* the errors */
        {"a number as claim value", "{\"claims\":{\"a\":1}}", WPS_ERR_TYPE_MISMATCH, "claims: string expected"},
        {"a number in a header array", "{\"headers\":{\"h\":[\"a\",1]}}", WPS_ERR_TYPE_MISMATCH, "headers: string expected"},
        {"an array as query", "{\"query\":[]}", WPS_ERR_TYPE_MISMATCH, "JSON object expected"},
        {"a string as subprotocols", "{\"subprotocols\":\"p\"}", WPS_ERR_TYPE_MISMATCH, "JSON array expected"},
        {"an object as certificates", "{\"clientCertificates\":{}}", WPS_ERR_TYPE_MISMATCH, "JSON array expected"},
        {"a number as certificate", "{\"clientCertificates\":[1]}", WPS_ERR_TYPE_MISMATCH, "JSON object expected"},
        {"a certificate without thumbprint", "{\"clientCertificates\":[{\"content\":\"x\"}]}", WPS_ERR_MISSING_FIELD, "clientCertificates: thumbprint"},
        {"a certificate with a null thumbprint", "{\"clientCertificates\":[{\"thumbprint\":null,\"content\":\"x\"}]}", WPS_ERR_MISSING_FIELD,
         "clientCertificates: thumbprint"},
        {"a number as thumbprint", "{\"clientCertificates\":[{\"thumbprint\":1}]}", WPS_ERR_TYPE_MISMATCH, "clientCertificates: string expected"},
        {"an array as mqtt", "{\"mqtt\":[]}", WPS_ERR_TYPE_MISMATCH, "JSON object expected"},
        {"protocolVersion as a string", "{\"mqtt\":{\"protocolVersion\":\"4\"}}", WPS_ERR_TYPE_MISMATCH, "mqtt.protocolVersion: number expected"},
        {"a negative protocolVersion", "{\"mqtt\":{\"protocolVersion\":-1}}", WPS_ERR_NUMBER, "mqtt.protocolVersion: an unsigned 32-bit integer expected"},
        {"a fractional protocolVersion", "{\"mqtt\":{\"protocolVersion\":4.0}}", WPS_ERR_NUMBER, "mqtt.protocolVersion"},
        {"an exponent in protocolVersion", "{\"mqtt\":{\"protocolVersion\":1e1}}", WPS_ERR_NUMBER, "mqtt.protocolVersion"},
        {"protocolVersion 2^32", "{\"mqtt\":{\"protocolVersion\":4294967296}}", WPS_ERR_NUMBER, "mqtt.protocolVersion"},
        {"protocolVersion of 11 digits", "{\"mqtt\":{\"protocolVersion\":99999999999}}", WPS_ERR_NUMBER, "mqtt.protocolVersion"},
        {"a number as username", "{\"mqtt\":{\"username\":5}}", WPS_ERR_TYPE_MISMATCH, "mqtt.username: string expected"},
        {"an array as password", "{\"mqtt\":{\"password\":[]}}", WPS_ERR_TYPE_MISMATCH, "mqtt.password: string expected"},
        {"a user property without value", "{\"mqtt\":{\"userProperties\":[{\"name\":\"a\"}]}}", WPS_ERR_MISSING_FIELD, "mqtt.userProperties: value"},
        {"a user property with a null value", "{\"mqtt\":{\"userProperties\":[{\"name\":\"a\",\"value\":null}]}}", WPS_ERR_MISSING_FIELD,
         "mqtt.userProperties: value"},
        {"a user property without name", "{\"mqtt\":{\"userProperties\":[{\"value\":\"a\"}]}}", WPS_ERR_MISSING_FIELD, "mqtt.userProperties: name"},
        {"a number as user property value", "{\"mqtt\":{\"userProperties\":[{\"name\":\"a\",\"value\":1}]}}", WPS_ERR_TYPE_MISMATCH,
         "mqtt.userProperties: string expected"},
        {"an array as body", "[]", WPS_ERR_TYPE_MISMATCH, "JSON object expected"},
        {"a comma before the end", "{\"claims\":{},}", WPS_ERR_SYNTAX, "object key expected"},
        {"a syntax error deep inside", "{\"claims\":{\"a\":[\"b\" \"c\"]}}", WPS_ERR_SYNTAX, "at byte"},
        {"data after the object", "{\"claims\":{}} x", WPS_ERR_TRAILING, "data after the JSON object"},
        {"a body that is not UTF-8", "{\"claims\":{\"a\":\"\xff\"}}", WPS_ERR_UTF8, "invalid UTF-8 sequence"},
    };
    static wmem mem;
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_connect_request c;
        wps_diag d;
        size_t need = 12345;
        wps_status st = wps_webhook_parse_connect(cases[i].body, strlen(cases[i].body), mem.bytes, sizeof mem.bytes, &c, &need, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st == WPS_OK) {
            dump x;
            x.n = 0;
            x.s[0] = 0;
            dump_connect(&x, &c);
            ASSERT_STR_EQm(cases[i].what, cases[i].expect, x.s);
        } else {
            ASSERTm(cases[i].what, reason_has(&d, cases[i].expect));
            ASSERT_EQm(cases[i].what, (size_t)0, need); /* nothing measured on a failure */
        }
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_parse_connect(cases[i].body, strlen(cases[i].body), mem.bytes, sizeof mem.bytes, &c, NULL, NULL));
    }
    PASS();
}

/* *needed is enough at any alignment of mem, and every smaller size is refused with the same *needed. */
TEST connect_body_needed_memory_is_exact_at_every_alignment(void) {
    static const char body[] = "{\"claims\":{\"r\\u006fle\":[\"a\\tb\",\"c\"]},\"query\":{\"t\":\"x\\\"y\"},\"headers\":{\"H\":\"\\u00e9\"},"
                               "\"subprotocols\":[\"p\\/1\"],\"clientCertificates\":[{\"thumbprint\":\"t\\n\",\"content\":\"c\"}],"
                               "\"mqtt\":{\"protocolVersion\":5,\"username\":\"u\\\\\",\"password\":\"cA==\",\"userProperties\":[{\"name\":\"n\\b\",\"value\":\"v\"}]}}";
    static const char expect[] = "claims[role=a\tb,role=c] query[t=x\"y] headers[H=\xc3\xa9] sub[p/1] certs[t\n=c] mqtt v5 user=u\\ pass=cA== props[n\b=v]";
    static wmem mem;
    wps_webhook_connect_request c;
    wps_diag d;
    size_t need = 0, got = 0, cap, off;
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_connect(body, sizeof body - 1, NULL, 0, &c, &need, &d));
    ASSERT(need > 0 && need + 8 < sizeof mem.bytes);
    ASSERT_EQ(need, d.needed);
    ASSERT(reason_has(&d, "memory too small"));
    /* mem NULL with a capacity: still nowhere to put anything */
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_connect(body, sizeof body - 1, NULL, sizeof mem.bytes, &c, &got, &d));
    ASSERT_EQ(need, got);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_connect(body, sizeof body - 1, NULL, sizeof mem.bytes, &c, NULL, NULL));
    for (cap = 0; cap < need; cap++) {
        got = 0;
        ASSERT_EQm("a smaller memory is refused", WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_connect(body, sizeof body - 1, mem.bytes, cap, &c, &got, &d));
        ASSERT_EQm("the same need is reported", need, got);
    }
    for (off = 0; off < 8; off++) {
        dump x;
        memset(mem.bytes, 0x5A, sizeof mem.bytes);
        got = 0;
        ASSERT_EQm("need bytes are enough at any alignment", WPS_OK, wps_webhook_parse_connect(body, sizeof body - 1, mem.bytes + off, need, &c, &got, &d));
        ASSERT_EQ(need, got);
        x.n = 0;
        x.s[0] = 0;
        dump_connect(&x, &c);
        ASSERT_STR_EQm("the parse at this alignment", expect, x.s);
        ASSERT(c.claims[0].name.ptr >= mem.bytes + off && c.claims[0].name.ptr < mem.bytes + off + need); /* unescaped into mem */
        ASSERT_EQm("nothing written past need", (char)0x5A, mem.bytes[off + need]);
    }
    PASS();
}

/* A member that appears twice: the last one wins, as JSON.parse gives it to the official handler
   (@azure/web-pubsub-express parses the body with JSON.parse; ECMA-262 §25.5.1 keeps the last
   duplicate). Arrays are restarted, so the first's elements are left unused in memory that *needed
   counted: the parse still fits in exactly *needed bytes at any alignment. */
TEST connect_body_member_seen_twice_keeps_the_last(void) {
    static const struct {
        const char *what, *body, *expect;
    } cases[] = {
        {"headers twice", "{\"headers\":{\"A\":\"1\",\"B\":[\"2\",\"3\"]},\"headers\":{\"C\":\"4\"}}", "claims[] query[] headers[C=4] sub[] certs[]"},
        {"an empty map after a full one", "{\"query\":{\"a\":\"b\"},\"query\":{}}", EMPTY_CONNECT},
        {"null after a full one", "{\"subprotocols\":[\"x\",\"y\"],\"subprotocols\":null}", EMPTY_CONNECT},
        {"a full one after an empty one", "{\"subprotocols\":[],\"subprotocols\":[\"z\"]}", "claims[] query[] headers[] sub[z] certs[]"},
        {"other arrays between", "{\"claims\":{\"r\":\"1\"},\"query\":{\"q\":\"\\u0041\"},\"claims\":{\"s\":[\"2\",\"3\"]}}", "claims[s=2,s=3] query[q=A] headers[] sub[] certs[]"},
        {"certificates twice", "{\"clientCertificates\":[{\"thumbprint\":\"t1\"}],\"clientCertificates\":[{\"thumbprint\":\"t2\",\"content\":\"c\"}]}", "claims[] query[] headers[] sub[] certs[t2=c]"},
        {"MQTT user properties twice",
         "{\"mqtt\":{\"protocolVersion\":5,\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"}],\"userProperties\":[{\"name\":\"c\",\"value\":\"d\"}]}}",
         EMPTY_CONNECT " mqtt v5 user=~ pass=~ props[c=d]"},
        {"mqtt twice: the second replaces the first whole",
         "{\"mqtt\":{\"protocolVersion\":4,\"username\":\"a\",\"userProperties\":[{\"name\":\"x\",\"value\":\"y\"}]},\"mqtt\":{\"password\":\"p\"}}",
         EMPTY_CONNECT " mqtt v0 user=~ pass=p props[]"},
        {"mqtt, then null", "{\"mqtt\":{\"username\":\"a\"},\"mqtt\":null}", EMPTY_CONNECT},
    };
    static wmem mem;
    size_t i, off;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_connect_request c;
        wps_diag d;
        size_t need = 0, got = 0, len = strlen(cases[i].body);
        ASSERT_EQm(cases[i].what, WPS_OK, wps_webhook_parse_connect(cases[i].body, len, mem.bytes, sizeof mem.bytes, &c, &need, &d));
        for (off = 0; off < 8; off++) {
            dump x;
            memset(mem.bytes, 0x5A, sizeof mem.bytes);
            ASSERT_EQm(cases[i].what, WPS_OK, wps_webhook_parse_connect(cases[i].body, len, mem.bytes + off, need, &c, &got, &d));
            if (need) ASSERT_EQm("nothing written past need", (char)0x5A, mem.bytes[off + need]);
            x.n = 0;
            x.s[0] = 0;
            dump_connect(&x, &c);
            ASSERT_STR_EQm(cases[i].what, cases[i].expect, x.s);
        }
        if (need) ASSERT_EQm(cases[i].what, WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_connect(cases[i].body, len, mem.bytes, need - 1, &c, &got, &d));
    }
    PASS();
}

TEST body_parsers_refuse_null_arguments(void) {
    static wmem mem;
    wps_webhook_connect_request c;
    wps_webhook_disconnected dc;
    wps_webhook_connect_result r;
    wps_diag d;
    size_t need = 7;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_parse_connect("{}", 2, mem.bytes, sizeof mem.bytes, NULL, &need, &d));
    ASSERT_EQ((size_t)0, need);
    ASSERT(reason_has(&d, "NULL argument"));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_parse_disconnected("{}", 2, mem.bytes, sizeof mem.bytes, NULL, NULL, NULL));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_parse_connect_response("{}", 2, mem.bytes, sizeof mem.bytes, NULL, NULL, &d));
    /* a NULL body with a length, and an empty one */
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_parse_connect(NULL, 4, mem.bytes, sizeof mem.bytes, &c, &need, &d));
    ASSERT(reason_has(&d, "NULL body"));
    ASSERT_EQ(WPS_ERR_EMPTY, wps_webhook_parse_disconnected(NULL, 0, mem.bytes, sizeof mem.bytes, &dc, &need, &d));
    ASSERT_EQ(WPS_ERR_EMPTY, wps_webhook_parse_connect_response("", 0, mem.bytes, sizeof mem.bytes, &r, &need, NULL));
    PASS();
}

/* ------------------------------------------------------------------ the disconnected body */

static void dump_disconnected(dump *d, const wps_webhook_disconnected *dc) {
    dstr(d, "reason=");
    dslice(d, dc->reason);
    if (dc->has_mqtt) {
        dstr(d, " mqtt byClient=");
        dnum(d, dc->mqtt_initiated_by_client ? 1ul : 0ul);
        if (dc->has_mqtt_disconnect_packet) {
            dstr(d, " packet code=");
            dnum(d, (unsigned long)dc->mqtt_reason_code);
            dpairs(d, " props", dc->mqtt_user_properties, dc->mqtt_user_property_count);
        }
    }
}

TEST disconnected_body_every_field_well_and_badly_formed(void) {
    static const body_case cases[] = {
        {"mqtt null is no mqtt", "{\"reason\":\"x\",\"mqtt\":null}", WPS_OK, "reason=x"},
        {"an unknown member named like mqtt's", "{\"other\":{\"mqtt\":1},\"reason\":\"\"}", WPS_OK, "reason="},
        {"initiatedByClient false, no packet", "{\"mqtt\":{\"initiatedByClient\":false}}", WPS_OK, "reason=~ mqtt byClient=0"},
        {"a null disconnect packet", "{\"mqtt\":{\"initiatedByClient\":true,\"disconnectPacket\":null}}", WPS_OK, "reason=~ mqtt byClient=1"},
        {"unknown mqtt members", "{\"mqtt\":{\"x\":[1],\"disconnectPacketX\":{}}}", WPS_OK, "reason=~ mqtt byClient=0"},
        {"an empty disconnect packet (MQTT 3.1.1)", "{\"mqtt\":{\"disconnectPacket\":{}}}", WPS_OK, "reason=~ mqtt byClient=0 packet code=0 props[]"},
        {"an MQTT 5 reason code among unknown members", "{\"mqtt\":{\"disconnectPacket\":{\"other\":1,\"code\":142}}}", WPS_OK,
         "reason=~ mqtt byClient=0 packet code=142 props[]"},
        {"two user properties and an escaped reason",
         "{\"reason\":\"a\\\"b\",\"mqtt\":{\"disconnectPacket\":{\"userProperties\":[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"b\",\"value\":\"\\u0032\"}]}}}",
         WPS_OK, "reason=a\"b mqtt byClient=0 packet code=0 props[a=1,b=2]"},
        {"a number as reason", "{\"reason\":1}", WPS_ERR_TYPE_MISMATCH, "reason: string expected"},
        {"a number as mqtt", "{\"mqtt\":5}", WPS_ERR_TYPE_MISMATCH, "JSON object expected"},
        {"initiatedByClient as a string", "{\"mqtt\":{\"initiatedByClient\":\"yes\"}}", WPS_ERR_TYPE_MISMATCH,
         "mqtt.initiatedByClient: true or false expected"},
        {"initiatedByClient null", "{\"mqtt\":{\"initiatedByClient\":null}}", WPS_ERR_TYPE_MISMATCH, "mqtt.initiatedByClient"},
        {"an array as disconnect packet", "{\"mqtt\":{\"disconnectPacket\":[]}}", WPS_ERR_TYPE_MISMATCH, "JSON object expected"},
        {"a string as code", "{\"mqtt\":{\"disconnectPacket\":{\"code\":\"4\"}}}", WPS_ERR_TYPE_MISMATCH, "mqtt.disconnectPacket.code: number expected"},
        {"a negative code", "{\"mqtt\":{\"disconnectPacket\":{\"code\":-1}}}", WPS_ERR_NUMBER, "mqtt.disconnectPacket.code"},
        {"a user property without value", "{\"mqtt\":{\"disconnectPacket\":{\"userProperties\":[{\"name\":\"n\"}]}}}", WPS_ERR_MISSING_FIELD,
         "mqtt.disconnectPacket.userProperties: value"},
        {"a comma before the end", "{\"reason\":\"x\",}", WPS_ERR_SYNTAX, "object key expected"},
        {"a missing colon", "{\"reason\" \"x\"}", WPS_ERR_SYNTAX, "':' expected"},
    };
    static wmem mem;
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_disconnected dc;
        wps_diag d;
        wps_status st = wps_webhook_parse_disconnected(cases[i].body, strlen(cases[i].body), mem.bytes, sizeof mem.bytes, &dc, NULL, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st == WPS_OK) {
            dump x;
            x.n = 0;
            x.s[0] = 0;
            dump_disconnected(&x, &dc);
            ASSERT_STR_EQm(cases[i].what, cases[i].expect, x.s);
        } else {
            ASSERTm(cases[i].what, reason_has(&d, cases[i].expect));
        }
    }
    PASS();
}

TEST disconnected_body_needs_memory_for_properties_and_escapes(void) {
    static const char body[] = "{\"reason\":\"\\u0041\",\"mqtt\":{\"disconnectPacket\":{\"code\":0,\"userProperties\":[{\"name\":\"n\",\"value\":\"v\"}]}}}";
    static wmem mem;
    wps_webhook_disconnected dc;
    wps_diag d;
    size_t need = 0, got = 0;
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_disconnected(body, sizeof body - 1, mem.bytes, 0, &dc, &need, &d));
    ASSERT(need >= sizeof(wps_webhook_pair) + 1); /* one property and the unescaped reason */
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_parse_disconnected(body, sizeof body - 1, mem.bytes, need - 1, &dc, &got, &d));
    ASSERT_EQ(need, got);
    ASSERT_EQ(WPS_OK, wps_webhook_parse_disconnected(body, sizeof body - 1, mem.bytes, need, &dc, &got, &d));
    ASSERT(slice_is(dc.reason, "A") && dc.mqtt_user_property_count == 1 && slice_is(dc.mqtt_user_properties[0].value, "v"));
    PASS();
}

/* ------------------------------------------------------------------ connect responses: parse */

static void dump_result(dump *d, const wps_webhook_connect_result *r) {
    dstr(d, "user=");
    dslice(d, r->user_id);
    dstr(d, " sub=");
    dslice(d, r->subprotocol);
    dslices(d, " groups", r->groups, r->group_count);
    dslices(d, " roles", r->roles, r->role_count);
    if (r->has_mqtt) {
        dstr(d, " mqtt");
        if (r->has_mqtt_code) {
            dstr(d, " code=");
            dnum(d, (unsigned long)r->mqtt_code);
        }
        dstr(d, " reason=");
        dslice(d, r->mqtt_reason);
        dpairs(d, " props", r->mqtt_user_properties, r->mqtt_user_property_count);
    }
}

TEST connect_response_parse_every_field(void) {
    static const body_case cases[] = {
        {"nulls everywhere", "{\"userId\":null,\"subprotocol\":null,\"groups\":null,\"roles\":null,\"mqtt\":null}", WPS_OK, "user=~ sub=~ groups[] roles[]"},
        {"unknown members", "{\"x\":1,\"user\":\"u\"}", WPS_OK, "user=~ sub=~ groups[] roles[]"},
        {"null groups are skipped, escapes unescaped", "{\"groups\":[\"a\",null,\"\\u0062\"],\"roles\":[\"r\"],\"userId\":\"u\\/1\",\"subprotocol\":\"s\"}", WPS_OK,
         "user=u/1 sub=s groups[a,b] roles[r]"},
        {"an MQTT error code without reason", "{\"mqtt\":{\"code\":5}}", WPS_OK, "user=~ sub=~ groups[] roles[] mqtt code=5 reason=~ props[]"},
        {"an mqtt object with unknown members", "{\"mqtt\":{\"other\":1}}", WPS_OK, "user=~ sub=~ groups[] roles[] mqtt reason=~ props[]"},
        {"a string as code", "{\"mqtt\":{\"code\":\"5\"}}", WPS_ERR_TYPE_MISMATCH, "mqtt.code: number expected"},
        {"a fractional code", "{\"mqtt\":{\"code\":5.5}}", WPS_ERR_NUMBER, "mqtt.code"},
        {"a number as reason", "{\"mqtt\":{\"reason\":1}}", WPS_ERR_TYPE_MISMATCH, "mqtt.reason: string expected"},
        {"a user property without name", "{\"mqtt\":{\"userProperties\":[{\"value\":\"v\"}]}}", WPS_ERR_MISSING_FIELD, "mqtt.userProperties: name"},
        {"a string as groups", "{\"groups\":\"a\"}", WPS_ERR_TYPE_MISMATCH, "JSON array expected"},
        {"a number among roles", "{\"roles\":[1]}", WPS_ERR_TYPE_MISMATCH, "roles: string expected"},
        {"a number as userId", "{\"userId\":1}", WPS_ERR_TYPE_MISMATCH, "userId: string expected"},
        {"a number as subprotocol", "{\"subprotocol\":true}", WPS_ERR_TYPE_MISMATCH, "subprotocol: string expected"},
        {"a comma before the end", "{\"userId\":\"u\",}", WPS_ERR_SYNTAX, "object key expected"},
        {"data after the object", "{} {}", WPS_ERR_TRAILING, "data after the JSON object"},
    };
    static wmem mem;
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_connect_result r;
        wps_diag d;
        size_t need = 0;
        wps_status st = wps_webhook_parse_connect_response(cases[i].body, strlen(cases[i].body), mem.bytes, sizeof mem.bytes, &r, &need, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st == WPS_OK) {
            dump x;
            x.n = 0;
            x.s[0] = 0;
            dump_result(&x, &r);
            ASSERT_STR_EQm(cases[i].what, cases[i].expect, x.s);
        } else {
            ASSERTm(cases[i].what, reason_has(&d, cases[i].expect));
        }
    }
    PASS();
}

/* ------------------------------------------------------------------ connect responses: build */

/* Each case changes one thing in a result that is otherwise empty. */
TEST connect_response_json_and_refusals(void) {
    static const struct {
        const char *what;
        int change;
        wps_status status;
        const char *json; /* the body on success, a reason substring on failure */
    } cases[] = {
        {"nothing to say", 0, WPS_OK, "{}"},
        {"a user id with quotes, backslash and a control character", 1, WPS_OK, "{\"userId\":\"a\\\"b\\\\c\\n\"}"}, /* escaped as JSON.stringify does */
        {"user properties without has_mqtt still make the mqtt object", 2, WPS_OK,
         "{\"mqtt\":{\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"},{\"name\":\"c\",\"value\":\"d\\\"\"}]}}"},
        {"has_mqtt without properties", 3, WPS_OK, "{\"mqtt\":{\"userProperties\":[]}}"},
        {"roles only, with a subprotocol", 4, WPS_OK, "{\"subprotocol\":\"json.webpubsub.azure.v1\",\"roles\":[\"webpubsub.sendToGroup.g\"]}"},
        {"an empty user id is kept", 5, WPS_OK, "{\"userId\":\"\"}"},
        {"groups counted but NULL", 10, WPS_ERR_INVALID_ARGUMENT, "NULL argument"},
        {"roles counted but NULL", 11, WPS_ERR_INVALID_ARGUMENT, "NULL argument"},
        {"user properties counted but NULL", 12, WPS_ERR_INVALID_ARGUMENT, "NULL argument"},
        {"a user id that is not UTF-8", 20, WPS_ERR_UTF8, "UTF-8"},
        {"a subprotocol that is not UTF-8", 21, WPS_ERR_UTF8, "UTF-8"},
        {"a group without text", 22, WPS_ERR_UTF8, "not NULL in arrays"},
        {"a group that is not UTF-8", 23, WPS_ERR_UTF8, "UTF-8"},
        {"a role that is not UTF-8", 24, WPS_ERR_UTF8, "UTF-8"},
        {"a user property name without text", 25, WPS_ERR_UTF8, "UTF-8"},
        {"a user property value without text", 26, WPS_ERR_UTF8, "UTF-8"},
        {"a user property name that is not UTF-8", 27, WPS_ERR_UTF8, "UTF-8"},
        {"a user property value that is not UTF-8", 28, WPS_ERR_UTF8, "UTF-8"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_connect_result r;
        wps_slice list[2];
        wps_webhook_pair props[2];
        char out[256];
        size_t n = 999;
        wps_diag d;
        wps_status st;
        memset(&r, 0, sizeof r);
        list[0] = S("g");
        list[1] = S("\xc3\x28"); /* an invalid UTF-8 sequence */
        props[0].name = S("a"), props[0].value = S("b");
        props[1].name = S("c"), props[1].value = S("d\"");
        switch (cases[i].change) {
        case 1: r.user_id = S("a\"b\\c\n"); break;
        case 2: r.mqtt_user_properties = props, r.mqtt_user_property_count = 2; break;
        case 3: r.has_mqtt = true; break;
        case 4: r.subprotocol = S("json.webpubsub.azure.v1"), list[0] = S("webpubsub.sendToGroup.g"), r.roles = list, r.role_count = 1; break;
        case 5: r.user_id = S(""); break;
        case 10: r.group_count = 1; break;
        case 11: r.role_count = 1; break;
        case 12: r.mqtt_user_property_count = 1; break;
        case 20: r.user_id = list[1]; break;
        case 21: r.subprotocol = list[1]; break;
        case 22: list[1] = wps_slice_make(NULL, 0), r.groups = list, r.group_count = 2; break;
        case 23: r.groups = list, r.group_count = 2; break;
        case 24: r.roles = list, r.role_count = 2; break;
        case 25: props[1].name = wps_slice_make(NULL, 0), r.mqtt_user_properties = props, r.mqtt_user_property_count = 2; break;
        case 26: props[1].value = wps_slice_make(NULL, 0), r.mqtt_user_properties = props, r.mqtt_user_property_count = 2; break;
        case 27: props[1].name = list[1], r.mqtt_user_properties = props, r.mqtt_user_property_count = 2; break;
        case 28: props[1].value = list[1], r.mqtt_user_properties = props, r.mqtt_user_property_count = 2; break;
        default: break;
        }
        st = wps_webhook_connect_response(&r, out, sizeof out - 1, &n, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st == WPS_OK) {
            out[n] = 0;
            ASSERT_STR_EQm(cases[i].what, cases[i].json, out);
        } else {
            ASSERT_EQm(cases[i].what, (size_t)0, n);
            ASSERTm(cases[i].what, reason_has(&d, cases[i].json));
        }
        ASSERT_EQm(cases[i].what, cases[i].status, wps_webhook_connect_response(&r, out, sizeof out, NULL, NULL));
    }
    {
        wps_diag d;
        size_t n = 999;
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_connect_response(NULL, NULL, 0, &n, &d));
        ASSERT_EQ((size_t)0, n);
    }
    PASS();
}

/* The size query: no output buffer gives WPS_ERR_BUFFER_TOO_SMALL with the exact length, with or without diag. */
TEST connect_response_size_query(void) {
    wps_webhook_connect_result r;
    wps_diag d;
    char out[64];
    size_t n = 0;
    memset(&r, 0, sizeof r);
    r.user_id = S("user-1");
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_connect_response(&r, NULL, 100, &n, &d));
    ASSERT_EQ(strlen("{\"userId\":\"user-1\"}"), n);
    ASSERT_EQ(n, d.needed);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_connect_response(&r, out, n - 1, NULL, NULL));
    ASSERT_EQ(WPS_OK, wps_webhook_connect_response(&r, out, n, NULL, NULL));
    ASSERT(memcmp(out, "{\"userId\":\"user-1\"}", n) == 0);
    PASS();
}

/* ------------------------------------------------------------------ MQTT error bodies and codes (vector #9, 4.4) */

TEST mqtt_error_bodies_and_their_status(void) {
    static const struct {
        const char *what;
        uint32_t code;
        const char *reason;  /* NULL: none */
        size_t props;        /* the first n of a=b, c=d */
        wps_status status;
        const char *json;    /* body on success, reason substring on failure */
        unsigned http;       /* wps_mqtt_http_status(code) */
    } cases[] = {
        {"vector #9: 3.1.1 Unauthorized", 5, "error message", 1, WPS_OK,
         "{\"mqtt\":{\"code\":5,\"reason\":\"error message\",\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"}]}}", 401},
        {"vector #9: 3.1.1 BadUsernameOrPassword", 4, "error message", 1, WPS_OK,
         "{\"mqtt\":{\"code\":4,\"reason\":\"error message\",\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"}]}}", 401},
        {"vector #9: MQTT 5 BadUserNameOrPassword", 134, "error message", 1, WPS_OK,
         "{\"mqtt\":{\"code\":134,\"reason\":\"error message\",\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"}]}}", 401},
        {"a code alone", 0x80, NULL, 0, WPS_OK, "{\"mqtt\":{\"code\":128}}", 500},
        {"an empty reason is kept", 0x97, "", 0, WPS_OK, "{\"mqtt\":{\"code\":151,\"reason\":\"\"}}", 429},
        {"user properties without reason", 0x8A, NULL, 2, WPS_OK,
         "{\"mqtt\":{\"code\":138,\"userProperties\":[{\"name\":\"a\",\"value\":\"b\"},{\"name\":\"c\",\"value\":\"d\"}]}}", 403},
        {"the largest code, a reason to escape", 4294967295u, "\"x\"", 0, WPS_OK, "{\"mqtt\":{\"code\":4294967295,\"reason\":\"\\\"x\\\"\"}}", 500},
        {"a reason that is not UTF-8", 5, "\xff", 0, WPS_ERR_UTF8, "UTF-8", 401},
        {"a user property that is not UTF-8", 5, NULL, 3, WPS_ERR_UTF8, "UTF-8", 401},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_pair props[3];
        char out[256];
        size_t n = 999;
        wps_diag d;
        wps_status st;
        props[0].name = S("a"), props[0].value = S("b");
        props[1].name = S("c"), props[1].value = S("d");
        props[2].name = S("e"), props[2].value = S("\xc0\xaf"); /* overlong: not UTF-8 */
        if (cases[i].props == 3) props[0] = props[2];
        st = wps_webhook_mqtt_error(cases[i].code, cases[i].reason ? S(cases[i].reason) : wps_slice_make(NULL, 0), props,
                                    cases[i].props == 3 ? 1 : cases[i].props, out, sizeof out - 1, &n, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st == WPS_OK) {
            out[n] = 0;
            ASSERT_STR_EQm(cases[i].what, cases[i].json, out);
        } else {
            ASSERT_EQm(cases[i].what, (size_t)0, n);
            ASSERTm(cases[i].what, reason_has(&d, cases[i].json));
        }
        ASSERT_EQm(cases[i].what, cases[i].http, (unsigned)wps_mqtt_http_status(cases[i].code));
    }
    {
        char out[64];
        size_t n = 0;
        wps_diag d;
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_mqtt_error(5, S("r"), NULL, 1, out, sizeof out, &n, &d));
        ASSERT(reason_has(&d, "NULL user properties"));
        ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_mqtt_error(135, S("r"), NULL, 0, out, 10, &n, &d));
        ASSERT_EQ(strlen("{\"mqtt\":{\"code\":135,\"reason\":\"r\"}}"), n);
        ASSERT_EQ(WPS_OK, wps_webhook_mqtt_error(135, S("r"), NULL, 0, out, sizeof out, NULL, NULL));
        ASSERT(memcmp(out, "{\"mqtt\":{\"code\":135,\"reason\":\"r\"}}", 34) == 0);
    }
    PASS();
}

/* docs/service-rules.md 4.4, MQTT 5 reason codes to HTTP status (as @azure/web-pubsub-express). */
TEST mqtt5_reason_codes_map_to_http_status(void) {
    static const struct {
        uint32_t code;
        unsigned http;
        const char *name;
    } cases[] = {
        {0x81, 400, "malformed packet"},
        {0x83, 400, "implementation specific error"},
        {0x84, 400, "unsupported protocol version"},
        {0x85, 400, "client identifier not valid"},
        {0x8C, 400, "bad authentication method"},
        {0x90, 400, "topic name invalid"},
        {0x95, 400, "packet too large"},
        {0x99, 400, "payload format invalid"},
        {0x9A, 400, "retain not supported"},
        {0x9B, 400, "QoS not supported"},
        {0x86, 401, "bad user name or password"},
        {0x87, 401, "not authorized"},
        {0x8A, 403, "banned"},
        {0x97, 429, "quota exceeded"},
        {0x9F, 429, "connection rate exceeded"},
        {0x80, 500, "unspecified error"},
        {0x88, 500, "server unavailable"},
        {0x89, 500, "server busy"},
        {0x9C, 500, "use another server"},
        {0x9D, 500, "server moved"},
        {0, 500, "success is no failure code"},
        {6, 500, "beyond the 3.1.1 return codes"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) ASSERT_EQm(cases[i].name, cases[i].http, (unsigned)wps_mqtt_http_status(cases[i].code));
    /* the other direction for protocol levels below and above the two named ones */
    ASSERT_EQ(4u, wps_mqtt_connect_code(400, 3));
    ASSERT_EQ(5u, wps_mqtt_connect_code(401, 0));
    ASSERT_EQ(0x87u, wps_mqtt_connect_code(401, 6));
    ASSERT_EQ(0x80u, wps_mqtt_connect_code(429, 5));
    PASS();
}

/* ------------------------------------------------------------------ the webhook request builder */

static void vector1_request(wps_webhook_request_options *o, wps_slice *keys) {
    memset(o, 0, sizeof *o);
    keys[0] = S("second");
    keys[1] = S(V1_KEY);
    o->kind = WPS_WEBHOOK_CONNECT;
    o->hub = S("hub");
    o->connection_id = S(V1_CONN);
    o->id = S("1");
    o->time = S("2021-01-01T00:00:00Z");
    o->origin = S("my-host.webpubsub.net");
    o->keys = keys + 1;
    o->key_count = 1;
}

static void dump_headers(dump *d, const wps_http_header *h, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        dslice(d, h[i].name);
        dstr(d, ": ");
        dslice(d, h[i].value);
        dstr(d, "\n");
    }
}

/* The exact headers per kind and data type; every request parses back and is accepted with both keys. */
TEST request_builder_headers_per_kind(void) {
    static const struct {
        const char *what;
        wps_webhook_kind kind;
        wps_data_type dt;
        int keys;     /* 0, 1 (vector #1) or 2 ("second" then vector #1) */
        int optional; /* every optional header given */
        const char *headers;
    } cases[] = {
        {"connected, no key, no optional header", WPS_WEBHOOK_CONNECTED, WPS_DATA_JSON, 0, 0,
         "ce-specversion: 1.0\nce-type: azure.webpubsub.sys.connected\nce-source: /hubs/hub/client/" V1_CONN "\nce-id: 1\n"
         "ce-time: 2021-01-01T00:00:00Z\nce-awpsversion: 1.0\nce-hub: hub\nce-connectionId: " V1_CONN "\nce-eventName: connected\n"
         "WebHook-Request-Origin: my-host.webpubsub.net\nContent-Type: application/json; charset=utf-8\n"},
        {"disconnected, two keys, every optional header (MQTT)", WPS_WEBHOOK_DISCONNECTED, WPS_DATA_JSON, 2, 1,
         "ce-specversion: 1.0\nce-type: azure.webpubsub.sys.disconnected\nce-source: /hubs/hub/client/" V1_CONN "\nce-id: 1\n"
         "ce-time: 2021-01-01T00:00:00Z\nce-awpsversion: 1.0\nce-hub: hub\nce-connectionId: " V1_CONN "\nce-eventName: disconnected\n"
         "ce-userId: u\xc3\xa9\nce-subprotocol: mqtt\nce-connectionState: e30=\nce-physicalConnectionId: p1\nce-sessionId: s1\n"
         "ce-signature: sha256=" SECOND_HEX ",sha256=" V1_HEX "\n"
         "WebHook-Request-Origin: my-host.webpubsub.net\nContent-Type: application/json; charset=utf-8\n"},
        {"a text user event", WPS_WEBHOOK_USER_EVENT, WPS_DATA_TEXT, 1, 0,
         "ce-specversion: 1.0\nce-type: azure.webpubsub.user.chat.v2\nce-source: /hubs/hub/client/" V1_CONN "\nce-id: 1\n"
         "ce-time: 2021-01-01T00:00:00Z\nce-awpsversion: 1.0\nce-hub: hub\nce-connectionId: " V1_CONN "\nce-eventName: chat.v2\n"
         "ce-signature: sha256=" V1_HEX "\nWebHook-Request-Origin: my-host.webpubsub.net\nContent-Type: text/plain; charset=utf-8\n"},
        {"a binary user event", WPS_WEBHOOK_USER_EVENT, WPS_DATA_BINARY, 0, 0,
         "ce-specversion: 1.0\nce-type: azure.webpubsub.user.chat.v2\nce-source: /hubs/hub/client/" V1_CONN "\nce-id: 1\n"
         "ce-time: 2021-01-01T00:00:00Z\nce-awpsversion: 1.0\nce-hub: hub\nce-connectionId: " V1_CONN "\nce-eventName: chat.v2\n"
         "WebHook-Request-Origin: my-host.webpubsub.net\nContent-Type: application/octet-stream\n"},
        {"a JSON user event", WPS_WEBHOOK_USER_EVENT, WPS_DATA_JSON, 0, 0,
         "ce-specversion: 1.0\nce-type: azure.webpubsub.user.chat.v2\nce-source: /hubs/hub/client/" V1_CONN "\nce-id: 1\n"
         "ce-time: 2021-01-01T00:00:00Z\nce-awpsversion: 1.0\nce-hub: hub\nce-connectionId: " V1_CONN "\nce-eventName: chat.v2\n"
         "WebHook-Request-Origin: my-host.webpubsub.net\nContent-Type: application/json; charset=utf-8\n"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_request_options o;
        wps_slice keys[2];
        wps_http_header h[17];
        char buf[400];
        size_t n = 0, need = 0, count = 0;
        wps_webhook_event e;
        wps_webhook_options opt;
        uint16_t reject = 999;
        dump x;
        vector1_request(&o, keys);
        o.kind = cases[i].kind;
        o.data_type = cases[i].dt;
        o.event_name = S("chat.v2");
        o.keys = cases[i].keys == 2 ? keys : keys + 1;
        o.key_count = (size_t)cases[i].keys;
        if (cases[i].optional) {
            o.user_id = S("u\xc3\xa9");
            o.subprotocol = S("mqtt");
            o.connection_state = S("e30=");
            o.physical_connection_id = S("p1");
            o.session_id = S("s1");
        }
        /* measure first, then build into exactly that much */
        ASSERT_EQm(cases[i].what, WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_request_headers(&o, NULL, 0, &count, NULL, 0, &need, NULL));
        ASSERT_EQm(cases[i].what, WPS_OK, wps_webhook_request_headers(&o, h, count, &n, buf, need, &need, NULL));
        ASSERT_EQm(cases[i].what, count, n);
        x.n = 0;
        x.s[0] = 0;
        dump_headers(&x, h, n);
        ASSERT_STR_EQm(cases[i].what, cases[i].headers, x.s);
        /* what the builder makes, the handler takes */
        memset(&opt, 0, sizeof opt);
        opt.hub = S("HUB");
        opt.keys = keys;
        opt.key_count = cases[i].keys ? 2 : 0;
        ASSERT_EQm(cases[i].what, WPS_OK, wps_webhook_accept(&opt, h, n, &e, &reject, NULL));
        ASSERT_EQm(cases[i].what, 0u, (unsigned)reject);
        ASSERT_EQm(cases[i].what, cases[i].kind, e.kind);
        ASSERT_EQm(cases[i].what, cases[i].optional, e.is_mqtt ? 1 : 0);
        if (cases[i].kind == WPS_WEBHOOK_USER_EVENT) ASSERT_EQm(cases[i].what, cases[i].dt, e.data_type);
    }
    PASS();
}

/* Each case changes one option of a valid request (vector #1). */
TEST request_builder_refuses_bad_options(void) {
    static const struct {
        const char *what;
        int change;
        const char *reason;
    } cases[] = {
        {"keys counted but NULL", 1, "NULL argument"},
        {"no kind", 2, "kind: connect, connected, disconnected or a user event"},
        {"another system event cannot be built", 3, "kind: connect"},
        {"a hub starting with a digit", 4, "hub: hub names match"},
        {"no hub", 5, "hub: hub names match"},
        {"no connection id", 10, "connection id, ce-id, ce-time and origin are required"},
        {"an empty connection id", 11, "are required"},
        {"no ce-id", 12, "are required"},
        {"an empty ce-id", 13, "are required"},
        {"no ce-time", 14, "are required"},
        {"an empty ce-time", 15, "are required"},
        {"no origin", 16, "are required"},
        {"an empty origin", 17, "are required"},
        {"a user event without a name", 20, "eventName: a user event needs a name"},
        {"a user event with an empty name", 21, "eventName: a user event needs a name"},
        {"a protobuf user event (no Content-Type for it)", 22, "eventName: a user event needs a name and a JSON, text or binary data type"},
        {"a LF in the session id", 30, "without CR, LF or NUL"},
        {"a NUL in the connection state", 31, "without CR, LF or NUL"},
        {"a CR in the event name", 32, "without CR, LF or NUL"},
        {"a ce-time that is not UTF-8", 33, "must be UTF-8"},
        {"a LF in the origin", 34, "without CR, LF or NUL"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_webhook_request_options o;
        wps_slice keys[2];
        wps_http_header h[17];
        char buf[400];
        size_t n = 99, need = 99;
        wps_diag d;
        vector1_request(&o, keys);
        switch (cases[i].change) {
        case 1: o.keys = NULL; break;
        case 2: memset(&o.kind, 0, sizeof o.kind); break; /* as a zeroed options struct leaves it */
        case 3: o.kind = WPS_WEBHOOK_OTHER_SYSTEM; break;
        case 4: o.hub = S("1hub"); break;
        case 5: o.hub = wps_slice_make(NULL, 0); break;
        case 10: o.connection_id = wps_slice_make(NULL, 3); break;
        case 11: o.connection_id = S(""); break;
        case 12: o.id = wps_slice_make(NULL, 1); break;
        case 13: o.id = S(""); break;
        case 14: o.time = wps_slice_make(NULL, 1); break;
        case 15: o.time = S(""); break;
        case 16: o.origin = wps_slice_make(NULL, 1); break;
        case 17: o.origin = S(""); break;
        case 20: o.kind = WPS_WEBHOOK_USER_EVENT, o.data_type = WPS_DATA_TEXT; break;
        case 21: o.kind = WPS_WEBHOOK_USER_EVENT, o.data_type = WPS_DATA_TEXT, o.event_name = S(""); break;
        case 22: o.kind = WPS_WEBHOOK_USER_EVENT, o.data_type = WPS_DATA_PROTOBUF, o.event_name = S("message"); break;
        case 30: o.session_id = S("s\n1"); break;
        case 31: o.connection_state = wps_slice_make("e3\0=", 4); break;
        case 32: o.kind = WPS_WEBHOOK_USER_EVENT, o.data_type = WPS_DATA_TEXT, o.event_name = S("a\rb"); break;
        case 33: o.time = S("2021\xff"); break;
        case 34: o.origin = S("my-host\n"); break;
        default: break;
        }
        ASSERT_EQm(cases[i].what, WPS_ERR_INVALID_ARGUMENT, wps_webhook_request_headers(&o, h, 17, &n, buf, sizeof buf, &need, &d));
        ASSERTm(cases[i].what, reason_has(&d, cases[i].reason));
        ASSERT_EQm(cases[i].what, (size_t)0, n);
        ASSERT_EQm(cases[i].what, (size_t)0, need);
        ASSERT_EQm(cases[i].what, WPS_ERR_INVALID_ARGUMENT, wps_webhook_request_headers(&o, h, 17, NULL, buf, sizeof buf, NULL, NULL));
    }
    {
        wps_diag d;
        ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_webhook_request_headers(NULL, NULL, 0, NULL, NULL, 0, NULL, &d));
        ASSERT(reason_has(&d, "NULL argument"));
    }
    PASS();
}

/* Too small a buffer or header array: WPS_ERR_BUFFER_TOO_SMALL with both sizes reported. */
TEST request_builder_reports_sizes(void) {
    wps_webhook_request_options o;
    wps_slice keys[2];
    wps_http_header h[17];
    char buf[400];
    size_t n = 0, need = 0, count, bytes;
    wps_diag d;
    vector1_request(&o, keys);
    o.keys = keys;
    o.key_count = 2;
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_request_headers(&o, NULL, 17, &count, buf, sizeof buf, &bytes, &d));
    /* ce-type + ce-source + two signatures and their comma */
    ASSERT_EQ(strlen("azure.webpubsub.sys.connect") + strlen("/hubs/hub/client/" V1_CONN) + 71 + 1 + 71, bytes);
    ASSERT_EQ(12u, (unsigned)count);
    ASSERT_EQ(bytes, d.needed);
    ASSERT(reason_has(&d, "too small"));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_request_headers(&o, h, 17, &n, buf, bytes - 1, &need, &d));
    ASSERT_EQ(bytes, need);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_request_headers(&o, h, count - 1, &n, buf, sizeof buf, &need, NULL));
    ASSERT_EQ(count, n);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_webhook_request_headers(&o, h, 17, NULL, NULL, sizeof buf, NULL, NULL));
    ASSERT_EQ(WPS_OK, wps_webhook_request_headers(&o, h, count, NULL, buf, bytes, NULL, NULL));
    ASSERT(slice_is(h[9].value, "sha256=" SECOND_HEX ",sha256=" V1_HEX));
    PASS();
}

/* ------------------------------------------------------------------ SignalR upstream (docs/service-rules.md 4.6) */

typedef struct up_case {
    const char *what;
    hpair h[10];
    int keys; /* 0: no check; 2: "second" and the vector #1 key */
    wps_status status;
    unsigned reject;
    const char *expect; /* the dump on success, a reason substring on failure */
} up_case;

#define SR_REQUIRED {"X-ASRS-Connection-Id", V1_CONN}, {"X-ASRS-Hub", "chat"}, {"X-ASRS-Category", "connections"}, {"X-ASRS-Event", "connected"}

static void dump_upstream(dump *d, const wps_signalr_upstream *u) {
    dslice(d, u->hub);
    dstr(d, "/");
    dslice(d, u->category);
    dstr(d, "/");
    dslice(d, u->event);
    dstr(d, " user=");
    dslice(d, u->user_id);
    dstr(d, " query=");
    dslice(d, u->client_query);
    dstr(d, " claims=");
    dnum(d, (unsigned long)u->claim_headers);
    dstr(d, ":");
    dslice(d, u->first_claim);
    dstr(d, " cert=");
    dslice(d, u->client_cert_thumbprint);
    dstr(d, " group=");
    dslice(d, u->connection_group);
}

TEST signalr_upstream_headers_and_rejections(void) {
    static const up_case cases[] = {
        {"no key configured: no signature needed", {SR_REQUIRED}, 0, WPS_OK, 0, "chat/connections/connected user=~ query=~ claims=0:~ cert=~ group=~"},
        {"every optional header",
         {SR_REQUIRED, {"x-asrs-user-id", "u"}, {"X-ASRS-Client-Query", "a=1&b=2"}, {"X-ASRS-Client-Cert-Thumbprint", "ab12"},
          {"X-ASRS-Connection-Group", "g"}, {"X-ASRS-User-Claims", "c"}, {"X-ASRS-Signature", "sha256=" V1_HEX}},
         2, WPS_OK, 0, "chat/connections/connected user=u query=a=1&b=2 claims=1:c cert=ab12 group=g"},
        {"the secondary key's signature second among parts", {SR_REQUIRED, {"X-ASRS-Signature", "sha256=" EMPTY_HEX ", SHA256=" SECOND_HEX}}, 2, WPS_OK,
         0, "chat/connections/connected user=~ query=~ claims=0:~ cert=~ group=~"},
        {"no signature with keys configured (fail closed)", {SR_REQUIRED}, 2, WPS_ERR_SIGNATURE, 401, "no part of the signature matches"},
        {"missing X-ASRS-Connection-Id",
         {{"X-ASRS-Hub", "chat"}, {"X-ASRS-Category", "connections"}, {"X-ASRS-Event", "connected"}}, 0, WPS_ERR_MISSING_FIELD, 400,
         "X-ASRS-Connection-Id: required header missing"},
        {"missing X-ASRS-Category", {{"X-ASRS-Connection-Id", "c"}, {"X-ASRS-Hub", "chat"}, {"X-ASRS-Event", "connected"}}, 0,
         WPS_ERR_MISSING_FIELD, 400, "X-ASRS-Category: required header missing"},
        {"missing X-ASRS-Event", {{"X-ASRS-Connection-Id", "c"}, {"X-ASRS-Hub", "chat"}, {"X-ASRS-Category", "messages"}}, 0, WPS_ERR_MISSING_FIELD,
         400, "X-ASRS-Event: required header missing"},
        {"an empty X-ASRS-Hub",
         {{"X-ASRS-Connection-Id", "c"}, {"X-ASRS-Hub", ""}, {"X-ASRS-Category", "messages"}, {"X-ASRS-Event", "broadcast"}}, 0,
         WPS_ERR_MISSING_FIELD, 400, "X-ASRS-Hub: required header missing"},
        {"X-ASRS-Hub twice", {SR_REQUIRED, {"x-asrs-hub", "other"}}, 0, WPS_ERR_DUPLICATE_KEY, 400, "X-ASRS-Hub: the header appears more than once"},
        {"X-ASRS-Signature twice", {SR_REQUIRED, {"X-ASRS-Signature", "sha256=" V1_HEX}, {"X-ASRS-Signature", "sha256=" V1_HEX}}, 2,
         WPS_ERR_DUPLICATE_KEY, 400, "X-ASRS-Signature: the header appears more than once"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wps_http_header h[10];
        wps_signalr_upstream u;
        wps_slice keys[2];
        uint16_t reject = 999;
        wps_diag d;
        size_t n = make_headers(cases[i].h, 10, h);
        wps_status st;
        keys[0] = S("second");
        keys[1] = S(V1_KEY);
        st = wps_signalr_upstream_accept(h, n, cases[i].keys ? keys : NULL, (size_t)cases[i].keys, &u, &reject, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        ASSERT_EQm(cases[i].what, cases[i].reject, (unsigned)reject);
        if (st == WPS_OK) {
            dump x;
            x.n = 0;
            x.s[0] = 0;
            dump_upstream(&x, &u);
            ASSERT_STR_EQm(cases[i].what, cases[i].expect, x.s);
            ASSERTm(cases[i].what, slice_is(u.connection_id, V1_CONN));
        } else {
            ASSERTm(cases[i].what, reason_has(&d, cases[i].expect));
        }
        ASSERT_EQm(cases[i].what, cases[i].status, wps_signalr_upstream_accept(h, n, cases[i].keys ? keys : NULL, (size_t)cases[i].keys, &u, NULL, NULL));
    }
    PASS();
}

TEST signalr_upstream_refuses_null_arguments(void) {
    static const hpair p[] = {SR_REQUIRED, {NULL, NULL}};
    wps_http_header h[4];
    wps_signalr_upstream u;
    wps_slice keys[1];
    uint16_t reject = 0;
    wps_diag d;
    size_t n = make_headers(p, 4, h);
    keys[0] = S(V1_KEY);
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_signalr_upstream_accept(h, n, keys, 1, NULL, &reject, &d));
    ASSERT_EQ(400u, (unsigned)reject);
    ASSERT(reason_has(&d, "NULL argument"));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_signalr_upstream_accept(NULL, 4, keys, 1, &u, &reject, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_signalr_upstream_accept(h, n, NULL, 1, &u, &reject, &d));
    ASSERT_EQ(WPS_ERR_MISSING_FIELD, wps_signalr_upstream_accept(NULL, 0, NULL, 0, &u, &reject, &d)); /* no headers: missing */
    ASSERT_EQ(400u, (unsigned)reject);
    PASS();
}

/* ------------------------------------------------------------------ wps_rest_parse_groups_request */

TEST groups_request_body_fields(void) {
    static const struct {
        const char *what, *body;
        wps_status status;
        const char *expect; /* "groups | filter" on success, a reason substring on failure */
    } cases[] = {
        {"unknown members are ignored", "{\"groups\":[\"a\"],\"x\":{\"groups\":1}}", WPS_OK, "groups[a] filter=~"},
        {"a null filter is no filter", "{\"filter\":null,\"groups\":[\"a\",null,\"b\"]}", WPS_OK, "groups[a,b] filter=~"},
        {"an escaped filter", "{\"groups\":[\"g\"],\"filter\":\"userId eq \\u0027x\\u0027\"}", WPS_OK, "groups[g] filter=userId eq 'x'"},
        {"no group but nulls", "{\"groups\":[null]}", WPS_ERR_MISSING_FIELD, "groups: at least one group is required"},
        {"groups null", "{\"groups\":null}", WPS_ERR_MISSING_FIELD, "groups: at least one group is required"},
        {"an empty group list", "{\"groups\":[]}", WPS_ERR_MISSING_FIELD, "groups: at least one group is required"},
        {"a number as filter", "{\"groups\":[\"a\"],\"filter\":1}", WPS_ERR_TYPE_MISMATCH, "filter: string expected"},
        {"an object as groups", "{\"groups\":{}}", WPS_ERR_TYPE_MISMATCH, "JSON array expected"},
        {"a number among groups", "{\"groups\":[\"a\",2]}", WPS_ERR_TYPE_MISMATCH, "groups: string expected"},
        {"a comma before the end", "{\"groups\":[\"a\"],}", WPS_ERR_SYNTAX, "object key expected"},
        {"data after the object", "{\"groups\":[\"a\"]}]", WPS_ERR_TRAILING, "data after the JSON object"},
    };
    static wmem mem;
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const wps_slice *g = NULL;
        size_t gn = 99, need = 0;
        wps_slice f = S("sentinel");
        wps_diag d;
        wps_status st = wps_rest_parse_groups_request(cases[i].body, strlen(cases[i].body), mem.bytes, sizeof mem.bytes, &g, &gn, &f, &need, &d);
        ASSERT_EQm(cases[i].what, cases[i].status, st);
        if (st == WPS_OK) {
            dump x;
            x.n = 0;
            x.s[0] = 0;
            dslices(&x, "groups", g, gn);
            dstr(&x, " filter=");
            dslice(&x, f);
            ASSERT_STR_EQm(cases[i].what, cases[i].expect, x.s);
        } else {
            ASSERTm(cases[i].what, reason_has(&d, cases[i].expect));
            /* the outputs are reset on failure */
            ASSERTm(cases[i].what, g == NULL && gn == 0 && f.ptr == NULL && f.len == 0);
        }
    }
    PASS();
}

TEST groups_request_memory_and_null_arguments(void) {
    static const char body[] = "{\"groups\":[\"a\",\"b\\u0021\",\"c\"]}";
    static wmem mem;
    const wps_slice *g = NULL;
    size_t gn = 0, need = 0, got = 0;
    wps_slice f;
    wps_diag d;
    need = 99;
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_rest_parse_groups_request(body, sizeof body - 1, mem.bytes, sizeof mem.bytes, NULL, &gn, &f, &need, &d));
    ASSERT(reason_has(&d, "NULL argument"));
    ASSERT_EQ((size_t)0, need); /* like the other two-pass parsers: no stale size (coverage review) */
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_rest_parse_groups_request(body, sizeof body - 1, mem.bytes, sizeof mem.bytes, &g, NULL, &f, &need, &d));
    ASSERT_EQ(WPS_ERR_INVALID_ARGUMENT, wps_rest_parse_groups_request(body, sizeof body - 1, mem.bytes, sizeof mem.bytes, &g, &gn, NULL, &need, NULL));
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_rest_parse_groups_request(body, sizeof body - 1, NULL, 0, &g, &gn, &f, &need, &d));
    ASSERT(need >= 3 * sizeof(wps_slice) + 2); /* three slices and "b!" */
    ASSERT(g == NULL && gn == 0);
    ASSERT_EQ(WPS_ERR_BUFFER_TOO_SMALL, wps_rest_parse_groups_request(body, sizeof body - 1, mem.bytes, need - 1, &g, &gn, &f, &got, &d));
    ASSERT_EQ(need, got);
    ASSERT_EQ(WPS_OK, wps_rest_parse_groups_request(body, sizeof body - 1, mem.bytes, need, &g, &gn, &f, NULL, NULL));
    ASSERT(gn == 3 && slice_is(g[0], "a") && slice_is(g[1], "b!") && slice_is(g[2], "c") && f.ptr == NULL);
    PASS();
}

/* ---- webhook signatures, abuse protection, webhooks (first written in the service suite) */

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

/* ------------------------------------------------------------------ webhooks (docs/service-rules.md 4) */


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

SUITE(webhooks) {
    RUN_TEST(signature_of_absent_key_and_connection_id_is_the_empty_hmac);
    RUN_TEST(verify_signature_splits_on_commas_and_spaces);
    RUN_TEST(verify_signature_fails_closed_on_bad_arguments);
    RUN_TEST(check_origin_splits_and_compares_hosts);
    RUN_TEST(check_origin_takes_the_host_of_an_endpoint);
    RUN_TEST(parse_headers_edge_cases);
    RUN_TEST(parse_headers_refuses_null_arguments);
    RUN_TEST(data_type_from_content_type);
    RUN_TEST(accept_applies_only_the_configured_checks);
    RUN_TEST(connect_body_every_field_well_and_badly_formed);
    RUN_TEST(connect_body_needed_memory_is_exact_at_every_alignment);
    RUN_TEST(connect_body_member_seen_twice_keeps_the_last);
    RUN_TEST(body_parsers_refuse_null_arguments);
    RUN_TEST(disconnected_body_every_field_well_and_badly_formed);
    RUN_TEST(disconnected_body_needs_memory_for_properties_and_escapes);
    RUN_TEST(connect_response_parse_every_field);
    RUN_TEST(connect_response_json_and_refusals);
    RUN_TEST(connect_response_size_query);
    RUN_TEST(mqtt_error_bodies_and_their_status);
    RUN_TEST(mqtt5_reason_codes_map_to_http_status);
    RUN_TEST(request_builder_headers_per_kind);
    RUN_TEST(request_builder_refuses_bad_options);
    RUN_TEST(request_builder_reports_sizes);
    RUN_TEST(signalr_upstream_headers_and_rejections);
    RUN_TEST(signalr_upstream_refuses_null_arguments);
    RUN_TEST(groups_request_body_fields);
    RUN_TEST(groups_request_memory_and_null_arguments);
    RUN_TEST(webhook_signatures);
    RUN_TEST(webhook_abuse_protection);
    RUN_TEST(webhook_request_checks);
    RUN_TEST(webhook_kinds_and_data_types);
    RUN_TEST(webhook_connect_body);
    RUN_TEST(webhook_disconnected_body);
    RUN_TEST(webhook_connect_responses);
    RUN_TEST(webhook_request_builder);
    RUN_TEST(signalr_upstream);
}
