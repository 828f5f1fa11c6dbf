/* libFuzzer target: wps_connection_string_parse on arbitrary bytes. An accepted string must give
   an effective endpoint of the measured size with its host lowercased, and a client access URL
   and token whose measured size is exactly what is written (and a buffer one byte short is
   refused). */
#include "fuzz_common.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wps_connection_string cs;
    wps_diag d;
    wps_token_options o;
    wps_slice role = wps_slice_from_cstr("webpubsub.joinLeaveGroup");
    size_t n, m, need = 0, got = 0;
    char *buf;
    wps_status st = wps_connection_string_parse((const char *)data, size, &cs, &d);
    check(st == WPS_OK || st == WPS_ERR_CONNECTION_STRING || st == WPS_ERR_UNSUPPORTED);
    check(st == WPS_OK || d.reason[0] != 0);
    if (st != WPS_OK) return 0;
    n = wps_connection_string_endpoint(&cs, NULL, 0);
    buf = (char *)malloc(n + 1);
    m = wps_connection_string_endpoint(&cs, buf, n);
    check(m == n);
    { /* the host is lowercased */
        size_t k = 0;
        while (k + 2 < n && !(buf[k] == ':' && buf[k + 1] == '/' && buf[k + 2] == '/')) k++;
        for (k += 3; k < n && buf[k] != '/'; k++) check(!(buf[k] >= 'A' && buf[k] <= 'Z'));
    }
    free(buf);
    memset(&o, 0, sizeof o);
    o.hub = wps_slice_from_cstr("hub");
    o.user_id = wps_slice_from_cstr("u");
    o.roles = &role;
    o.role_count = 1;
    o.now = 1700000000;
    st = wps_client_access_url(&cs, &o, NULL, 0, &need, NULL);
    if (st == WPS_ERR_INVALID_ARGUMENT) return 0; /* an endpoint host with characters no host has */
    check(st == WPS_ERR_BUFFER_TOO_SMALL && need > 0);
    buf = (char *)malloc(need);
    check(wps_client_access_url(&cs, &o, buf, need - 1, &got, NULL) == WPS_ERR_BUFFER_TOO_SMALL);
    check(wps_client_access_url(&cs, &o, buf, need, &got, NULL) == WPS_OK && got == need);
    free(buf);
    st = wps_signalr_client_token(&cs, &o, NULL, 0, &need, NULL, 0, NULL, NULL);
    check(st == WPS_ERR_INVALID_ARGUMENT || st == WPS_ERR_UNSUPPORTED); /* roles are Web PubSub options; a path is refused first */
    o.role_count = 0;
    st = wps_signalr_client_token(&cs, &o, NULL, 0, &need, NULL, 0, NULL, NULL);
    /* a path in a SignalR endpoint is refused (a Web PubSub URL keeps it), and so is a
       ClientEndpoint no URL can carry (a Web PubSub token does not read it) */
    check(st == WPS_ERR_BUFFER_TOO_SMALL ? need > 0 : st == WPS_ERR_UNSUPPORTED || (st == WPS_ERR_INVALID_ARGUMENT && cs.client_endpoint.ptr));
    return 0;
}
