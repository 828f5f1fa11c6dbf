/* wps_esp_websocket.h: wps_client over ESP-IDF's esp_websocket_client, as an ESP-IDF component.
 *
 * esp_websocket_client runs each connection in its own FreeRTOS task and calls its event
 * handler there. This adapter keeps that task away from the client: the handler reassembles
 * fragments into a buffer and hands whole messages, "connected" and "ended" to the loop through
 * a FreeRTOS queue; the loop's wps_esp_poll drains the queue (never waiting), feeds the client,
 * runs its actions and ticks it. The library's own reconnect is off (disable_auto_reconnect):
 * wps.h decides when and where to reconnect (recovery URL, back-off), and each WPS_ACTION_OPEN
 * gets a fresh esp_websocket_client for its URL.
 *
 *   static wps_esp t;
 *   wps_adapter_options o = {url, on_action, user, 0};
 *   wps_esp_init(&t, client, &o);
 *   t.config.crt_bundle_attach = esp_crt_bundle_attach;  // wss:// (Azure): the CA bundle
 *   wps_client_start(client, now_ms());
 *   for (;;) {                               // the application's task
 *       wps_esp_poll(&t, now_ms());          // esp_timer_get_time() / 1000
 *       ... calls on the client ...
 *       vTaskDelay(pdMS_TO_TICKS(10));
 *   }
 *   wps_esp_close(&t);
 *
 * Where the loop waits (esp_websocket_client has no non-blocking send, close or stop):
 * - WPS_ACTION_SEND: esp_websocket_client_send_text/_bin write the frame before returning; they
 *   wait only while the TCP window is full, at most send_timeout_ms (then the socket is dropped
 *   and the client recovers). Nothing is queued in the adapter: wps_esp_send_pending is 0.
 * - WPS_ACTION_CLOSE (wps_client_stop, a keepalive timeout): esp_websocket_client_close_with_code
 *   waits for the server's close frame, at most close_timeout_ms.
 * - Ending a connection (after a drop, a close, or in wps_esp_close): esp_websocket_client_destroy
 *   waits for the connection's task to end: at once after a drop, up to about a second while
 *   connected (the task's read poll), up to the config's network_timeout_ms while connecting.
 *
 * Limits: a message larger than max_message drops the connection (the client hears close
 * 1009 and recovers, and a reliable service sends it again: size max_message for the largest
 * message the application receives). A queue that stays full (the loop polls too rarely for the
 * messages arriving) drops the connection too (1006): the client recovers and a reliable
 * service redelivers what was not acknowledged.
 */
#ifndef WPS_ESP_WEBSOCKET_H
#define WPS_ESP_WEBSOCKET_H

#include "../wps_adapter.h" /* adjust the paths when copying the component */

#include "esp_websocket_client.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"

#ifdef __cplusplus
extern "C" { /* the adapter .c files are C: compile them with a C compiler */
#endif

/** One transport around one wps_client. Fields are private except the tunables, which may be
    changed between wps_esp_init and the first wps_esp_poll. The struct must not move after
    wps_esp_init (the websocket task keeps a pointer to it). */
typedef struct wps_esp {
    /* tunables */
    esp_websocket_client_config_t config; /* copied for each connection (TLS: crt_bundle_attach or
                                             cert_pem; buffer_size, task_stack, network_timeout_ms,
                                             ...); the adapter sets uri, subprotocol and
                                             disable_auto_reconnect = true */
    uint32_t queue_len;        /* 32: events the websocket task may hand over between two polls */
    uint32_t send_timeout_ms;  /* 2000: the longest a send may wait for the socket */
    uint32_t close_timeout_ms; /* 2000: the longest a close waits for the server's close frame */
    size_t max_message;        /* 65536: largest message received (PSRAM allows more) */
    /* private: the loop's */
    wps_client *client;
    wps_adapter_options opt;
    esp_websocket_client_handle_t ws;
    QueueHandle_t queue;
    uint32_t gen;              /* the connection's number: the queue's older events are dropped */
    int phase, error, dropped; /* dropped: a message was lost here: the later ones are dropped too */
    uint64_t now;
    wps_adapter_inbox in;
    wps_adapter_tx tx;         /* lent to a client without a transmit buffer of its own */
    /* private: the websocket task's (the loop reads them only when no task runs) */
    unsigned char *rx;         /* the message being reassembled */
    size_t rx_len, rx_cap;
    int rx_text, rx_active, too_big, http_status;
    uint16_t peer_code;        /* from the server's close frame */
    char peer_reason[123];
    size_t peer_reason_len;
    volatile int lost;         /* an event could not be handed over: the loop drops the connection */
} wps_esp;

/** Sets t up around the client (no I/O, no allocation). Returns 0, or -1 for a NULL argument. */
int wps_esp_init(wps_esp *t, wps_client *c, const wps_adapter_options *o);
/** Drains the websocket task's queue without waiting, feeds the client (open, open failed with
    the upgrade's HTTP status, messages, close), runs its actions (OPEN, SEND and CLOSE here;
    EVENT, COMPLETE and, without a url, NEED_URL to on_action) and ticks it when a timer is due.
    Returns 0, or -1 when memory ran out or the queue overflowed (that connection was dropped and
    the client told). */
int wps_esp_poll(wps_esp *t, uint64_t now_ms);
/** 0: esp_websocket_client writes each frame before the send returns. */
int wps_esp_send_pending(const wps_esp *t);
/** Ends the connection at once (no close handshake: stop the client and poll until `stopped`
    for a clean close), deletes the queue and frees the buffers. A client still connected is told
    (on_close 1006). Call it from the loop's task, never from an event handler. */
void wps_esp_close(wps_esp *t);

#ifdef __cplusplus
}
#endif
#endif /* WPS_ESP_WEBSOCKET_H */
