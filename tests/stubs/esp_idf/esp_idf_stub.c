/* Stub implementation of the ESP-IDF calls the adapter makes, for a host-side test (see
   esp_idf_stub.h). Single-threaded: the "websocket task" is the test calling the handler. */
#include "esp_idf_stub.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "freertos/queue.h"

esp_event_base_t const WEBSOCKET_EVENTS = "WEBSOCKET_EVENTS";

esp_stub_record esp_stub;
int esp_stub_fail_next_send, esp_stub_echo_close;

void esp_stub_log(char level, const char *tag, const char *format, ...) {
    va_list ap;
    if (!getenv("ESP_STUB_LOG")) return;
    va_start(ap, format);
    fprintf(stderr, "%c (%s) ", level, tag);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- FreeRTOS queue: a ring buffer ---- */

struct QueueDefinition {
    size_t item, cap, head, count;
    unsigned char *buf;
};

QueueHandle_t xQueueCreate(UBaseType_t uxQueueLength, UBaseType_t uxItemSize) {
    QueueHandle_t q = (QueueHandle_t)calloc(1, sizeof *q);
    if (!q) return NULL;
    q->item = uxItemSize;
    q->cap = uxQueueLength;
    q->buf = (unsigned char *)malloc((size_t)uxQueueLength * uxItemSize);
    if (!q->buf) {
        free(q);
        return NULL;
    }
    return q;
}

BaseType_t xQueueSend(QueueHandle_t q, const void *item, TickType_t ticks) {
    (void)ticks;
    if (q->count == q->cap) return pdFALSE; /* errQUEUE_FULL */
    memcpy(q->buf + (q->head + q->count) % q->cap * q->item, item, q->item);
    q->count++;
    return pdTRUE;
}

BaseType_t xQueueReceive(QueueHandle_t q, void *out, TickType_t ticks) {
    (void)ticks;
    if (!q->count) return pdFALSE;
    memcpy(out, q->buf + q->head * q->item, q->item);
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return pdTRUE;
}

void vQueueDelete(QueueHandle_t q) {
    if (q) free(q->buf);
    free(q);
}

/* ---- esp_websocket_client ---- */

enum { S_IDLE, S_CONNECTING, S_CONNECTED, S_ENDED };

struct esp_websocket_client {
    int state;
    esp_event_handler_t handler;
    void *arg;
};

static esp_websocket_client_handle_t newest;

static void dispatch(esp_websocket_client_handle_t c, int32_t id, esp_websocket_event_data_t *d) {
    esp_websocket_event_data_t none;
    if (!d) {
        memset(&none, 0, sizeof none);
        d = &none;
    }
    d->client = c;
    if (c->handler) c->handler(c->arg, WEBSOCKET_EVENTS, id, d);
}

static void data_event(esp_websocket_client_handle_t c, uint8_t op, const char *p, int n, int frame, int offset, int fin) {
    esp_websocket_event_data_t d;
    memset(&d, 0, sizeof d);
    d.op_code = op;
    d.data_ptr = p;
    d.data_len = n;
    d.payload_len = frame;
    d.payload_offset = offset;
    d.fin = fin != 0;
    dispatch(c, WEBSOCKET_EVENT_DATA, &d);
}

static void end(esp_websocket_client_handle_t c, int32_t id) {
    c->state = S_ENDED;
    dispatch(c, id, NULL);
}

void esp_stub_reset(void) {
    memset(&esp_stub, 0, sizeof esp_stub);
    esp_stub.close_code = -1;
    esp_stub_fail_next_send = 0;
    esp_stub_echo_close = 1;
    newest = NULL;
}

esp_websocket_client_handle_t esp_stub_handle(void) { return newest; }

esp_websocket_client_handle_t esp_websocket_client_init(const esp_websocket_client_config_t *config) {
    esp_websocket_client_handle_t c = (esp_websocket_client_handle_t)calloc(1, sizeof *c);
    if (!c) return NULL;
    esp_stub.inits++;
    esp_stub.live++;
    snprintf(esp_stub.uri, sizeof esp_stub.uri, "%s", config->uri ? config->uri : "");
    snprintf(esp_stub.subprotocol, sizeof esp_stub.subprotocol, "%s", config->subprotocol ? config->subprotocol : "");
    esp_stub.disable_auto_reconnect = config->disable_auto_reconnect;
    esp_stub.buffer_size = config->buffer_size;
    newest = c;
    return c;
}

esp_err_t esp_websocket_register_events(esp_websocket_client_handle_t c, esp_websocket_event_id_t event, esp_event_handler_t h, void *arg) {
    if (event != WEBSOCKET_EVENT_ANY) return ESP_ERR_INVALID_ARG;
    c->handler = h;
    c->arg = arg;
    return ESP_OK;
}

esp_err_t esp_websocket_client_start(esp_websocket_client_handle_t c) {
    if (c->state != S_IDLE) return ESP_FAIL;
    esp_stub.starts++;
    c->state = S_CONNECTING;
    return ESP_OK;
}

esp_err_t esp_websocket_client_stop(esp_websocket_client_handle_t c) {
    if (c->state != S_CONNECTING && c->state != S_CONNECTED) return ESP_FAIL; /* "Client was not started" */
    esp_stub.stops++;
    c->state = S_ENDED; /* the task ends: no more events (no close frame) */
    return ESP_OK;
}

esp_err_t esp_websocket_client_destroy(esp_websocket_client_handle_t c) {
    if (!c) return ESP_ERR_INVALID_ARG;
    esp_stub.destroys++;
    esp_stub.live--;
    if (c == newest) newest = NULL;
    free(c);
    return ESP_OK;
}

static int stub_send(esp_websocket_client_handle_t c, const char *data, int len, int binary) {
    size_t used = strlen(esp_stub.sent);
    if (c->state != S_CONNECTED) return -1; /* "Websocket client is not connected" */
    if (esp_stub_fail_next_send) { /* esp_transport_ws_send_raw failed: abort_connection in the caller's task */
        esp_stub_fail_next_send = 0;
        dispatch(c, WEBSOCKET_EVENT_ERROR, NULL);
        end(c, WEBSOCKET_EVENT_DISCONNECTED);
        return -1;
    }
    if (used + (size_t)len + 2 <= sizeof esp_stub.sent) {
        memcpy(esp_stub.sent + used, data, (size_t)len);
        esp_stub.sent[used + (size_t)len] = '\n';
        esp_stub.sent[used + (size_t)len + 1] = 0;
    }
    esp_stub.sends++;
    esp_stub.binary_sends += binary;
    return len;
}

int esp_websocket_client_send_text(esp_websocket_client_handle_t c, const char *data, int len, TickType_t timeout) {
    (void)timeout;
    return stub_send(c, data, len, 0);
}

int esp_websocket_client_send_bin(esp_websocket_client_handle_t c, const char *data, int len, TickType_t timeout) {
    (void)timeout;
    return stub_send(c, data, len, 1);
}

esp_err_t esp_websocket_client_close_with_code(esp_websocket_client_handle_t c, int code, const char *data, int len, TickType_t timeout) {
    (void)timeout;
    if (c->state != S_CONNECTED) return ESP_FAIL;
    esp_stub.close_code = code;
    snprintf(esp_stub.close_reason, sizeof esp_stub.close_reason, "%.*s", len, data);
    if (esp_stub_echo_close) { /* the server's close frame, then the clean end */
        char echo[2];
        echo[0] = (char)(code >> 8);
        echo[1] = (char)(code & 0xff);
        data_event(c, 0x8, echo, 2, 2, 0, 1);
        end(c, WEBSOCKET_EVENT_CLOSED);
    } else {
        c->state = S_ENDED; /* no answer within the timeout: the client stops the task */
    }
    return ESP_OK;
}

bool esp_websocket_client_is_connected(esp_websocket_client_handle_t c) { return c && c->state == S_CONNECTED; }

/* ---- the websocket task, scripted by the test ---- */

void esp_stub_connected(void) {
    newest->state = S_CONNECTED;
    dispatch(newest, WEBSOCKET_EVENT_CONNECTED, NULL);
}

void esp_stub_message(const char *data, size_t len, int text, size_t frame_size, size_t buffer_size) {
    size_t f = 0;
    do {
        size_t flen = len - f < frame_size ? len - f : frame_size, off = 0;
        uint8_t op = (uint8_t)(f == 0 ? (text ? 0x1 : 0x2) : 0x0);
        int fin = f + flen == len;
        do {
            size_t n = flen - off < buffer_size ? flen - off : buffer_size;
            data_event(newest, op, data + f + off, (int)n, (int)flen, (int)off, fin);
            off += n;
        } while (off < flen);
        f += flen;
    } while (f < len);
}

void esp_stub_drop(void) {
    dispatch(newest, WEBSOCKET_EVENT_ERROR, NULL);
    end(newest, WEBSOCKET_EVENT_DISCONNECTED);
}

void esp_stub_refuse(int http_status) {
    esp_websocket_event_data_t d;
    memset(&d, 0, sizeof d);
    d.error_handle.error_type = WEBSOCKET_ERROR_TYPE_TCP_TRANSPORT;
    d.error_handle.esp_ws_handshake_status_code = http_status;
    dispatch(newest, WEBSOCKET_EVENT_ERROR, &d);
    newest->state = S_ENDED;
    dispatch(newest, WEBSOCKET_EVENT_DISCONNECTED, &d);
}

void esp_stub_server_close(int code, const char *reason) {
    char frame[125];
    size_t r = strlen(reason) < 123 ? strlen(reason) : 123;
    frame[0] = (char)(code >> 8);
    frame[1] = (char)(code & 0xff);
    memcpy(frame + 2, reason, r);
    data_event(newest, 0x8, frame, (int)r + 2, (int)r + 2, 0, 1);
    end(newest, WEBSOCKET_EVENT_CLOSED);
}
