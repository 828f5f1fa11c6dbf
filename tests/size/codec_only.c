/* The codec alone for `make size`: decode a downstream frame, encode an upstream one. */
#define WPS_IMPLEMENTATION
#define WPS_NO_CLIENT
#define WPS_NO_SERVICE
#include "../../wps.h"

extern int dev_recv(void *buf, unsigned cap, int *is_text, int *event);
extern void dev_send(const void *p, unsigned n);
extern void dev_message(const wps_message *m);

static char rx[2048], scratch[2048], tx[2048];

int main(void) {
    wps_codec down = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM);
    wps_codec up = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
    for (;;) {
        int is_text, ev;
        int n = dev_recv(rx, sizeof rx, &is_text, &ev);
        wps_message m;
        size_t len;
        if (n <= 0) continue;
        if (wps_decode(&down, rx, (size_t)n, scratch, sizeof scratch, &m, NULL) == WPS_OK) dev_message(&m);
        wps_message_init(&m, WPS_KIND_SEND_TO_GROUP);
        m.group = wps_slice_from_cstr("lobby");
        m.data_type = WPS_DATA_TEXT;
        m.data = wps_slice_make(rx, (size_t)n);
        m.has = WPS_HAS_DATA;
        if (wps_encode(&up, &m, tx, sizeof tx, &len, NULL) == WPS_OK) dev_send(tx, (unsigned)len);
    }
}
