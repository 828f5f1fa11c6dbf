/* libFuzzer target: wps_client_restore on arbitrary bytes. The input gets a correct CRC-32
   appended (without it nearly every input would stop at the checksum), so the parser behind
   the checksum is what is fuzzed. An accepted snapshot must snapshot back to the same bytes
   (a version 1 snapshot to the same fields as version 2),
   and the restored client must start (recovering or connecting) without trouble. Inputs of odd
   length restore into a client with borrow_url (its URL stays in the snapshot buffer) and
   max_id_len 32, and snapshot back into that same buffer. */
#include "fuzz_common.h"


static uint64_t g_mem[(1u << 20) / 8];
static unsigned char g_buf[1 << 16], g_again[1 << 16], g_copy[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wps_client_config cfg = wps_client_config_default();
    wps_client *c = NULL;
    wps_diag d;
    wps_action a;
    size_t need, n = 0;
    uint32_t crc;
    wps_status st;
    int borrow = (size & 1) != 0;
    if (size + 4 > sizeof g_buf) return 0;
    cfg.borrow_url = borrow;
    cfg.max_id_len = borrow ? 32 : 0;
    cfg.max_groups = 4;
    cfg.max_name_len = 24;
    cfg.max_token_len = 64;
    cfg.max_url_len = 128;
    need = wps_client_memory_size(&cfg);
    check(need <= sizeof g_mem);
    check(wps_client_init(&c, &cfg, g_mem, need, NULL) == WPS_OK);
    memcpy(g_buf, data, size);
    crc = wps__crc32(g_buf, size);
    g_buf[size] = (unsigned char)crc;
    g_buf[size + 1] = (unsigned char)(crc >> 8);
    g_buf[size + 2] = (unsigned char)(crc >> 16);
    g_buf[size + 3] = (unsigned char)(crc >> 24);
    st = wps_client_restore(c, g_buf, size + 4, &d);
    check(st == WPS_OK || st == WPS_ERR_SNAPSHOT || st == WPS_ERR_CAPACITY);
    check(st == WPS_OK || d.reason[0] != 0);
    if (st != WPS_OK) return 0;
    if (borrow) { /* into the buffer the URL is borrowed from (one retained buffer, the usual way) */
        memcpy(g_copy, g_buf, size + 4);
        check(wps_client_snapshot(c, g_buf, sizeof g_buf, &n) == WPS_OK);
        memcpy(g_again, g_buf, n);
        memcpy(g_buf, g_copy, size + 4);
    } else {
        check(wps_client_snapshot(c, g_again, sizeof g_again, &n) == WPS_OK);
    }
    if (g_buf[4] == 1) /* version 1 is read, version 2 written: the same fields and an empty table of lost sequenceIds */
        check(n == size + 4 + 9 && g_again[4] == 2 && memcmp(g_again, g_buf, 4) == 0 && memcmp(g_again + 5, g_buf + 5, size - 5) == 0);
    else
        check(n == size + 4 && memcmp(g_again, g_buf, n) == 0);
    check(wps_client_start(c, 0) == WPS_OK);
    while (wps_client_poll(c, &a)) {
    }
    return 0;
}
