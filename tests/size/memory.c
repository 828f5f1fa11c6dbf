/* `make size`: client memory (wps_client_memory_size) of the README's three configurations,
   built for the host (64-bit) and with -m32 (32-bit); the README's table comes from here. */
#define WPS_IMPLEMENTATION
#define WPS_NO_SERVICE
#include "../../wps.h"
#include <stdio.h>

int main(void) {
    wps_client_config d = wps_client_config_default(), s = d, e = d;
    s.max_calls = 4;
    s.max_groups = 4;
    s.max_frame_size = 1024;
    s.max_url_len = 512;
    s.max_token_len = 256;
    e.max_calls = 8;
    e.max_groups = 8;
    e.max_name_len = 32;
    e.max_frame_size = 1088;
    e.max_url_len = 512;
    e.max_token_len = 256;
    e.borrow_payloads = true;
    e.receive_in_place = true;
    printf("%u-bit  default %zu  small %zu  embedded %zu\n", (unsigned)(sizeof(void *) * 8), wps_client_memory_size(&d),
           wps_client_memory_size(&s), wps_client_memory_size(&e));
    return 0;
}
