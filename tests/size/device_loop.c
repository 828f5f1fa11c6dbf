/* The realistic device loop of `make size`: one client over a host transport the linker cannot
   see (extern functions), every input a device needs. Compiled for Cortex-M with -Os,
   --gc-sections and newlib-nano; its linked `text` is the size of wps.h in a device. */
#define WPS_IMPLEMENTATION
#define WPS_NO_SERVICE
#include "../../wps.h"

extern unsigned long long dev_now(void);
extern int dev_recv(void *buf, unsigned cap, int *is_text, int *event);
extern void dev_send(const void *p, unsigned n);
extern void dev_open(const char *url, const char *protocol);
extern void dev_close(unsigned code);
extern void dev_event(const wps_action *a);

static unsigned long long mem[4096 / 8]; /* the embedded configuration (docs/client-guide.md): 4,016 B on 32-bit */
static char rx[2048];
static char tx[1089]; /* its transmit buffer, lent at each poll: wps_client_transmit_size() */

int main(void) {
    wps_client_config cfg = wps_client_config_embedded();
    wps_client *c;
    wps_action a;
    wps_call_id id;
    if (wps_client_init(&c, &cfg, mem, sizeof mem, NULL) != WPS_OK) return 1;
    wps_client_start(c, dev_now());
    for (;;) {
        int is_text = 1, ev = 0, n;
        while (wps_client_poll_into(c, &a, tx, sizeof tx)) {
            switch (a.kind) {
            case WPS_ACTION_NEED_URL: wps_client_set_url(c, dev_now(), "wss://h/client/hubs/x?access_token=t", 37); break;
            case WPS_ACTION_OPEN: dev_open(a.url.ptr, a.subprotocol); break;
            case WPS_ACTION_SEND: dev_send(a.frame.ptr, (unsigned)a.frame.len); break;
            case WPS_ACTION_CLOSE: dev_close(a.close_code); break;
            default: dev_event(&a); break;
            }
        }
        n = dev_recv(rx, sizeof rx, &is_text, &ev);
        if (ev == 1) wps_client_on_open(c, dev_now());
        else if (ev == 2) wps_client_on_close(c, dev_now(), 1006, NULL, 0);
        else if (ev == 3) wps_client_join_group(c, dev_now(), wps_slice_from_cstr("lobby"), NULL, &id, NULL);
        else if (ev == 4) wps_client_send_to_group(c, dev_now(), wps_slice_from_cstr("lobby"), WPS_DATA_TEXT, wps_slice_make(rx, (size_t)n), NULL, &id, NULL);
        else if (ev == 5) wps_client_send_event(c, dev_now(), wps_slice_from_cstr("e"), WPS_DATA_JSON, wps_slice_make(rx, (size_t)n), NULL, &id, NULL);
        else if (ev == 6) wps_client_stop(c, dev_now());
        else if (n > 0) wps_client_on_frame_writable(c, dev_now(), rx, (size_t)n, is_text != 0);
        if (dev_now() >= wps_client_next_deadline(c)) wps_client_tick(c, dev_now());
    }
}
