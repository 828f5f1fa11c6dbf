/* The test's side of the ESP-IDF stubs (esp_idf_stub.c): it plays the websocket task of the
   newest esp_websocket_client (calls the registered handler as the task would) and reads back
   what the adapter asked of the library. */
#ifndef ESP_IDF_STUB_H
#define ESP_IDF_STUB_H

#include <stddef.h>

#include "esp_websocket_client.h"

typedef struct esp_stub_record {
    int inits, starts, stops, destroys, live;  /* live: handles not yet destroyed */
    char uri[4096], subprotocol[128];           /* of the newest esp_websocket_client_init */
    int disable_auto_reconnect, buffer_size;
    char sent[65536];                           /* every frame sent, each followed by '\n' */
    int sends, binary_sends;
    int close_code;                             /* esp_websocket_client_close_with_code; -1 none */
    char close_reason[128];
} esp_stub_record;

extern esp_stub_record esp_stub;

/* Knobs: the next send fails as a broken socket would (ERROR, DISCONNECTED, -1); the server
   answers a close frame with its own (else the close times out and the client is stopped). */
extern int esp_stub_fail_next_send, esp_stub_echo_close;

void esp_stub_reset(void);
/* the newest handle (NULL when it was destroyed) */
esp_websocket_client_handle_t esp_stub_handle(void);

/* the task's events */
void esp_stub_connected(void);
/* one message: frames of at most frame_size bytes (the first with op_code 1 or 2, then 0),
   each delivered in DATA events of at most buffer_size bytes */
void esp_stub_message(const char *data, size_t len, int text, size_t frame_size, size_t buffer_size);
void esp_stub_drop(void);                 /* a read error: ERROR, then DISCONNECTED */
void esp_stub_refuse(int http_status);    /* the upgrade refused: ERROR (status), DISCONNECTED */
void esp_stub_server_close(int code, const char *reason); /* DATA op 8, then CLOSED */

#endif
