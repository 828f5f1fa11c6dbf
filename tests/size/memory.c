/* `make size`: client memory (wps_client_memory_size) of the three configurations of docs/client-guide.md,
   built for the host (64-bit) and with -m32 (32-bit); its table comes from here. */
#define WPS_IMPLEMENTATION
#define WPS_NO_SERVICE
#include "../../wps.h"
#include <stdio.h>

int main(void) {
    wps_client_config d = wps_client_config_default(), s = d, e = wps_client_config_embedded();
    s.max_calls = 4;
    s.max_groups = 4;
    s.max_frame_size = 1024;
    s.max_url_len = 512;
    s.max_token_len = 256;
    printf("%u-bit  default %zu  small %zu  embedded %zu\n", (unsigned)(sizeof(void *) * 8), wps_client_memory_size(&d),
           wps_client_memory_size(&s), wps_client_memory_size(&e));
    printf("        embedded: + a transmit buffer of %zu B lent at each poll (wps_client_transmit_size)\n", wps_client_transmit_size(&e));
    /* the documented figure for the embedded configuration, P6's 4 KB (tests/test_client.c checks 64-bit) */
    if (sizeof(void *) == 4 && (wps_client_memory_size(&e) != 4016 || wps_client_memory_size(&e) > 4096)) {
        printf("the embedded configuration needs %zu bytes on 32-bit, docs/client-guide.md says 4,016 (at most 4,096)\n", wps_client_memory_size(&e));
        return 1;
    }
    return 0;
}
