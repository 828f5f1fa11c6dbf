/* WPS_STATIC: every function static; two private copies may coexist. Built by `make test`. */
#define WPS_STATIC
#define WPS_IMPLEMENTATION
#include "../wps.h"
int main(void) {
    wps_codec c = wps_codec_make(WPS_PROTOCOL_JSON, WPS_DOWNSTREAM);
    wps_message m;
    return wps_decode(&c, "{\"type\":\"pong\"}", 15, 0, 0, &m, 0) == WPS_OK && m.kind == WPS_KIND_PONG ? 0 : 1;
}
