/* libFuzzer target: the webhook parsers on arbitrary bytes. The input is header lines
   "name: value" up to an empty line, then a body. The headers go through wps_webhook_accept
   (with a key, a hub and an origin allow-list) and wps_signalr_upstream_accept; the body through
   the connect, disconnected and connect-response parsers and the :addToGroups body parser. Checked: a rejection always has a
   status and a reason; the memory a body parse asks for is exactly enough (one byte less is
   refused); every slice points into the body or the caller's memory; a parsed connect response
   written back and parsed again keeps its fields. */
#include "fuzz_common.h"


static const char *lo, *hi, *mlo, *mhi;

static void inside(wps_slice s) { check(fuzz_slice_within(s, lo, hi) || fuzz_slice_within(s, mlo, mhi)); }

static void pairs_inside(const wps_webhook_pair *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) inside(p[i].name), inside(p[i].value);
}

typedef wps_status (*body_parser)(const void *, size_t, void *, size_t, void *, size_t *, wps_diag *);

static wps_status parse_connect(const void *b, size_t n, void *m, size_t c, void *o, size_t *need, wps_diag *d) {
    return wps_webhook_parse_connect(b, n, m, c, (wps_webhook_connect_request *)o, need, d);
}
static wps_status parse_disconnected(const void *b, size_t n, void *m, size_t c, void *o, size_t *need, wps_diag *d) {
    return wps_webhook_parse_disconnected(b, n, m, c, (wps_webhook_disconnected *)o, need, d);
}
static wps_status parse_groups(const void *b, size_t n, void *m, size_t c, void *o, size_t *need, wps_diag *d) {
    struct groups_out {
        const wps_slice *g;
        size_t n;
        wps_slice f;
    } *g = (struct groups_out *)o;
    return wps_rest_parse_groups_request(b, n, m, c, &g->g, &g->n, &g->f, need, d);
}
static wps_status parse_result(const void *b, size_t n, void *m, size_t c, void *o, size_t *need, wps_diag *d) {
    return wps_webhook_parse_connect_response(b, n, m, c, (wps_webhook_connect_result *)o, need, d);
}

/* Measures, then parses into exactly that much memory (and one byte less must be refused). */
static void *parse_body(body_parser fn, const char *body, size_t n, void *out, wps_status *st) {
    wps_diag d;
    size_t need = 0, need2 = 0;
    void *mem;
    *st = fn(body, n, NULL, 0, out, &need, &d);
    if (*st != WPS_OK && *st != WPS_ERR_BUFFER_TOO_SMALL) {
        check(d.reason[0] != 0);
        return NULL;
    }
    if (*st == WPS_OK) check(need == 0);
    mem = malloc(need ? need : 1);
    if (need) check(fn(body, n, mem, need - 1, out, &need2, &d) == WPS_ERR_BUFFER_TOO_SMALL && need2 == need);
    *st = fn(body, n, mem, need, out, &need2, &d);
    check(*st == WPS_OK && need2 == need);
    mlo = (const char *)mem;
    mhi = mlo + need;
    return mem;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wps_http_header h[32];
    size_t nh = 0, i = 0;
    const char *text = (const char *)data, *body;
    size_t body_len;
    wps_slice key = wps_slice_from_cstr("7aab239577fd4f24bc919802fb629f5f"), origin = wps_slice_from_cstr("my-host.webpubsub.net");
    wps_webhook_options opt;
    wps_webhook_event e;
    wps_signalr_upstream u;
    uint16_t status = 7;
    wps_diag d;
    wps_status st;
    void *mem;
    /* header lines up to an empty line */
    while (i < size) {
        size_t s = i, colon;
        while (i < size && text[i] != '\n') i++;
        if (i == s) {
            i++;
            break;
        }
        for (colon = s; colon < i && text[colon] != ':'; colon++) {
        }
        if (nh < 32) {
            h[nh].name = wps_slice_make(text + s, colon - s);
            h[nh].value = colon < i ? wps_slice_make(text + colon + 1, i - colon - 1) : wps_slice_make(NULL, 0);
            nh++;
        }
        if (i < size) i++;
    }
    body = text + (i < size ? i : size);
    body_len = size - (size_t)(body - text);
    lo = text;
    hi = text + size;
    memset(&opt, 0, sizeof opt);
    opt.hub = wps_slice_from_cstr("hub");
    opt.keys = &key;
    opt.key_count = 1;
    opt.allowed_origins = &origin;
    opt.allowed_origin_count = 1;
    st = wps_webhook_accept(&opt, h, nh, &e, &status, &d);
    check(st == WPS_OK ? status == 0 : (status == 400 || status == 401) && d.reason[0] != 0);
    if (st == WPS_OK) {
        inside(e.hub), inside(e.connection_id), inside(e.user_id), inside(e.type), inside(e.signature);
        check(e.kind >= WPS_WEBHOOK_CONNECT && e.kind <= WPS_WEBHOOK_OTHER_SYSTEM);
    }
    st = wps_signalr_upstream_accept(h, nh, &key, 1, &u, &status, &d);
    check(st == WPS_OK ? status == 0 : (status == 400 || status == 401));
    {
        wps_webhook_connect_request c;
        mem = parse_body(parse_connect, body, body_len, &c, &st);
        if (st == WPS_OK) {
            size_t k;
            pairs_inside(c.claims, c.claim_count), pairs_inside(c.query, c.query_count), pairs_inside(c.headers, c.header_count);
            pairs_inside(c.mqtt_user_properties, c.mqtt_user_property_count);
            for (k = 0; k < c.subprotocol_count; k++) inside(c.subprotocols[k]);
            for (k = 0; k < c.client_certificate_count; k++) inside(c.client_certificates[k].thumbprint), inside(c.client_certificates[k].content);
        }
        free(mem);
    }
    {
        struct {
            const wps_slice *g;
            size_t n;
            wps_slice f;
        } g;
        mem = parse_body(parse_groups, body, body_len, &g, &st);
        if (st == WPS_OK) {
            size_t k;
            for (k = 0; k < g.n; k++) inside(g.g[k]);
            inside(g.f);
        }
        free(mem);
    }
    {
        wps_webhook_disconnected dc;
        mem = parse_body(parse_disconnected, body, body_len, &dc, &st);
        if (st == WPS_OK) inside(dc.reason), pairs_inside(dc.mqtt_user_properties, dc.mqtt_user_property_count);
        free(mem);
    }
    {
        wps_webhook_connect_result r, back;
        mem = parse_body(parse_result, body, body_len, &r, &st);
        if (st == WPS_OK && !r.has_mqtt_code && !(r.subprotocol.ptr && !r.subprotocol.len)) {
            size_t n = 0, need = 0;
            char *out;
            void *mem2;
            st = wps_webhook_connect_response(&r, NULL, 0, &n, NULL);
            check(st == WPS_ERR_BUFFER_TOO_SMALL);
            out = (char *)malloc(n);
            check(wps_webhook_connect_response(&r, out, n, &n, NULL) == WPS_OK);
            st = wps_webhook_parse_connect_response(out, n, NULL, 0, &back, &need, NULL);
            check(st == WPS_OK || st == WPS_ERR_BUFFER_TOO_SMALL);
            mem2 = malloc(need ? need : 1);
            check(wps_webhook_parse_connect_response(out, n, mem2, need, &back, &need, NULL) == WPS_OK);
            check(back.group_count == r.group_count && back.role_count == r.role_count &&
                  back.mqtt_user_property_count == r.mqtt_user_property_count && (back.user_id.ptr != NULL) == (r.user_id.ptr != NULL));
            check(!r.user_id.ptr || (back.user_id.len == r.user_id.len && !memcmp(back.user_id.ptr, r.user_id.ptr, r.user_id.len)));
            free(mem2);
            free(out);
        }
        free(mem);
    }
    return 0;
}
