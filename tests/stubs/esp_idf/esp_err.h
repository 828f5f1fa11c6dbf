/* Stub of ESP-IDF's esp_err.h: only what examples/adapters/esp_idf/ uses (see esp_websocket_client.h). */
#ifndef ESP_ERR_H
#define ESP_ERR_H

typedef int esp_err_t;

#define ESP_OK 0
#define ESP_FAIL -1
#define ESP_ERR_NO_MEM 0x101
#define ESP_ERR_INVALID_ARG 0x102

#endif
