/* Stub of esp_websocket_client.h: only the declarations examples/adapters/esp_idf/ uses, spelled
 * as in espressif/esp-protocols, components/esp_websocket_client/include/esp_websocket_client.h
 * (component version 1.x; the same names since 0.0.4, 2022; also ESP-IDF 4.x's built-in
 * components/esp_websocket_client). esp_websocket_client_config_t lists a subset of its fields,
 * in their order: the adapter and the test set nothing else. Every other declaration is left
 * out on purpose, so the adapter cannot use it without this stub (and CI) noticing.
 *
 * The implementation in esp_idf_stub.c simulates the websocket task for a host-side test:
 * tests/esp_adapter_test.c calls the registered handler as the task would (esp_idf_stub.h).
 */
#ifndef _ESP_WEBSOCKET_CLIENT_H_
#define _ESP_WEBSOCKET_CLIENT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_event.h"
#include "freertos/FreeRTOS.h"

typedef struct esp_websocket_client *esp_websocket_client_handle_t;

ESP_EVENT_DECLARE_BASE(WEBSOCKET_EVENTS);

typedef enum {
    WEBSOCKET_EVENT_ANY = -1,
    WEBSOCKET_EVENT_ERROR = 0,
    WEBSOCKET_EVENT_CONNECTED,
    WEBSOCKET_EVENT_DISCONNECTED,
    WEBSOCKET_EVENT_DATA,
    WEBSOCKET_EVENT_CLOSED,
    WEBSOCKET_EVENT_BEFORE_CONNECT,
    WEBSOCKET_EVENT_BEGIN,
    WEBSOCKET_EVENT_FINISH,
    WEBSOCKET_EVENT_MAX
} esp_websocket_event_id_t;

typedef enum {
    WEBSOCKET_ERROR_TYPE_NONE = 0,
    WEBSOCKET_ERROR_TYPE_TCP_TRANSPORT,
    WEBSOCKET_ERROR_TYPE_PONG_TIMEOUT,
    WEBSOCKET_ERROR_TYPE_HANDSHAKE
} esp_websocket_error_type_t;

typedef struct {
    esp_err_t esp_tls_last_esp_err;
    int esp_tls_stack_err;
    int esp_tls_cert_verify_flags;
    esp_websocket_error_type_t error_type;
    int esp_ws_handshake_status_code; /* the HTTP status of the upgrade */
    int esp_transport_sock_errno;
} esp_websocket_error_codes_t;

typedef struct {
    const char *data_ptr;
    int data_len;
    bool fin;
    uint8_t op_code;
    esp_websocket_client_handle_t client;
    void *user_context;
    int payload_len;    /* the frame's whole payload; larger than buffer_size: several DATA events */
    int payload_offset; /* where this event's data sits in the frame's payload */
    esp_websocket_error_codes_t error_handle;
} esp_websocket_event_data_t;

typedef struct {
    const char *uri;
    const char *host;
    int port;
    const char *path;
    bool disable_auto_reconnect;
    void *user_context;
    int task_prio;
    const char *task_name;
    int task_stack;
    int buffer_size;
    const char *cert_pem;
    size_t cert_len;
    const char *subprotocol;
    const char *headers;
    esp_err_t (*crt_bundle_attach)(void *conf);
    int network_timeout_ms;
} esp_websocket_client_config_t;

esp_websocket_client_handle_t esp_websocket_client_init(const esp_websocket_client_config_t *config);
esp_err_t esp_websocket_client_start(esp_websocket_client_handle_t client);
esp_err_t esp_websocket_client_stop(esp_websocket_client_handle_t client);
esp_err_t esp_websocket_client_destroy(esp_websocket_client_handle_t client);
int esp_websocket_client_send_bin(esp_websocket_client_handle_t client, const char *data, int len, TickType_t timeout);
int esp_websocket_client_send_text(esp_websocket_client_handle_t client, const char *data, int len, TickType_t timeout);
esp_err_t esp_websocket_client_close_with_code(esp_websocket_client_handle_t client, int code, const char *data, int len, TickType_t timeout);
bool esp_websocket_client_is_connected(esp_websocket_client_handle_t client);
esp_err_t esp_websocket_register_events(esp_websocket_client_handle_t client, esp_websocket_event_id_t event, esp_event_handler_t event_handler,
                                        void *event_handler_arg);

#endif
