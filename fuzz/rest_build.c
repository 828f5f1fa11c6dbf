/* libFuzzer target: wps_rest_build with parameters taken from arbitrary bytes (the first byte
   picks the operation, the second which numbers are set, then NUL-separated strings). Checked:
   a refusal has a reason and writes nothing; an accepted request needs exactly the size it
   measured (one byte less is refused); the URL is printable ASCII; the JWT is signed with the
   key and its claims start with aud = that exact URL. */
#include "fuzz_common.h"


#define KEY "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH"

static size_t b64url_decode(const char *s, size_t n, unsigned char *out) {
    size_t i, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
        check(v >= 0);
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char cstr[] = "Endpoint=https://demo.webpubsub.azure.com;AccessKey=" KEY ";Version=1.0;";
    wps_connection_string cs;
    wps_rest_params p;
    wps_rest_request req;
    wps_slice s[20], list[3];
    wps_signalr_command cmd;
    size_t ns = 0, i, need = 0, need2 = 0;
    wps_diag d;
    wps_status st;
    wps_rest_operation op;
    unsigned flags;
    char *buf;
    if (size < 2) return 0;
    op = (wps_rest_operation)(data[0] % (unsigned)WPS_REST_OPERATION_COUNT);
    flags = data[1];
    /* the strings; each absent one stays unset */
    {
        size_t at = 2;
        while (at <= size && ns < 20) {
            size_t e = at;
            while (e < size && data[e] != 0) e++;
            s[ns++] = wps_slice_make((const char *)data + at, e - at);
            at = e + 1;
        }
    }
    check(wps_connection_string_parse(cstr, sizeof cstr - 1, &cs, NULL) == WPS_OK);
    memset(&p, 0, sizeof p);
#define STR(i, field) \
    if (ns > (i) && s[i].len != 1) p.field = s[i].len == 0 ? wps_slice_make("", 0) : s[i]
    STR(0, hub);
    STR(1, group);
    STR(2, user_id);
    STR(3, connection_id);
    STR(4, permission);
    STR(5, stream_id);
    STR(6, filter);
    STR(7, reason);
    STR(8, target);
    STR(9, arguments);
    STR(10, body);
    STR(11, content_type);
    STR(12, api_version);
    STR(13, next_link);
    STR(14, application);
    STR(15, target_name);
    STR(16, client_type);
    STR(17, continuation_token);
#undef STR
    for (i = 0; i < 3 && 17 + i < ns; i++) list[i] = s[17 + i];
    if (flags & 1) p.excluded = list, p.excluded_count = i;
    if (flags & 2) p.roles = list, p.role_count = i;
    if (flags & 4) p.groups = list, p.group_count = i;
    if (flags & 8) p.has_message_ttl = true, p.message_ttl_seconds = (uint32_t)size * 7u % 400u;
    if (flags & 16) p.max_page_size = (uint32_t)size % 250u, p.top = (uint32_t)size * 99991u;
    if (flags & 32) p.has_ttl = true, p.ttl = (uint32_t)size, p.has_completed = true, p.completed = true;
    if (flags & 64) p.minutes_to_expire = (uint32_t)size;
    if ((flags & 128) && ns > 8) {
        memset(&cmd, 0, sizeof cmd);
        cmd.kind = (wps_signalr_command_kind)(size % 5);
        cmd.target = s[8];
        cmd.group = s[1];
        cmd.reason = s[7];
        p.commands = &cmd;
        p.command_count = 1;
    }
    p.now = 1700000000;
    st = wps_rest_build(&cs, op, &p, NULL, 0, &req, &need, &d);
    if (st != WPS_ERR_BUFFER_TOO_SMALL) {
        check(st != WPS_OK && d.reason[0] != 0 && need == 0);
        return 0;
    }
    buf = (char *)malloc(need);
    memset(buf, 0x5a, need);
    check(wps_rest_build(&cs, op, &p, buf, need - 1, &req, &need2, NULL) == WPS_ERR_BUFFER_TOO_SMALL && need2 == need);
    check((unsigned char)buf[0] == 0x5a);
    st = wps_rest_build(&cs, op, &p, buf, need, &req, &need2, &d);
    check(st == WPS_OK);
    check(need2 <= need);
    for (i = 0; i < req.url.len; i++) check(req.url.ptr[i] > ' ' && req.url.ptr[i] < 0x7f);
    /* url = scheme "://" host target */
    check(req.host.ptr >= req.url.ptr + 7 && req.host.len > 0 && req.target.ptr == req.host.ptr + req.host.len);
    check(req.target.ptr + req.target.len == req.url.ptr + req.url.len && req.target.len > 0 && req.target.ptr[0] == '/');
    check(memcmp(req.host.ptr - 3, "://", 3) == 0 && memchr(req.host.ptr, '/', req.host.len) == NULL);
    {
        const char *jwt = req.authorization.ptr + 7, *dot1, *dot2;
        size_t jl = req.authorization.len - 7, cl;
        unsigned char mac[32], sig[40], *claims;
        check(req.authorization.len > 7 && memcmp(req.authorization.ptr, "Bearer ", 7) == 0);
        dot1 = (const char *)memchr(jwt, '.', jl);
        check(dot1 != NULL);
        dot2 = (const char *)memchr(dot1 + 1, '.', jl - (size_t)(dot1 + 1 - jwt));
        check(dot2 != NULL);
        wps_hmac_sha256(KEY, sizeof KEY - 1, jwt, (size_t)(dot2 - jwt), mac);
        check(b64url_decode(dot2 + 1, jl - (size_t)(dot2 + 1 - jwt), sig) == 32 && memcmp(sig, mac, 32) == 0);
        claims = (unsigned char *)malloc(jl);
        cl = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), claims);
        check(cl > 8 + req.url.len && memcmp(claims, "{\"aud\":\"", 8) == 0 && memcmp(claims + 8, req.url.ptr, req.url.len) == 0 &&
              claims[8 + req.url.len] == '"');
        free(claims);
    }
    free(buf);
    return 0;
}
