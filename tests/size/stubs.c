/* The host side of the size programs, in its own object (the linker sees calls, not bodies). */
#include <stddef.h>
unsigned long long dev_now(void) { return 0; }
int dev_recv(void *buf, unsigned cap, int *is_text, int *event) { (void)buf; (void)cap; *is_text = 1; *event = 0; return 0; }
void dev_send(const void *p, unsigned n) { (void)p; (void)n; }
void dev_open(const char *url, const char *protocol) { (void)url; (void)protocol; }
void dev_close(unsigned code) { (void)code; }
struct wps_action;
struct wps_message;
void dev_event(const struct wps_action *a) { (void)a; }
void dev_message(const struct wps_message *m) { (void)m; }
