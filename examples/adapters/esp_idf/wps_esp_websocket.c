/* wps_esp_websocket.c: wps_client over esp_websocket_client (see wps_esp_websocket.h).
 *
 * Build: as an ESP-IDF component (CMakeLists.txt here), with wps.h's implementation
 * (WPS_IMPLEMENTATION) in one file of the application. CI compiles this file on Linux against
 * the stub headers in tests/stubs/esp_idf/ (tests/esp_adapter_test.c).
 *
 * Host inputs, and where each comes from here:
 *   WPS_ACTION_NEED_URL -> wps_client_set_url(options.url), or to on_action when url is NULL
 *   WPS_ACTION_OPEN     -> esp_websocket_client_init({config, uri = url, subprotocol,
 *                          disable_auto_reconnect = true}), esp_websocket_register_events
 *                          (WEBSOCKET_EVENT_ANY), esp_websocket_client_start
 *   WEBSOCKET_EVENT_CONNECTED -> queued -> wps_client_on_open
 *   WEBSOCKET_EVENT_DATA (op_code 1, 2, then 0 continuations; each frame in pieces of
 *                          buffer_size: payload_offset, payload_len) -> appended to the message
 *                          buffer; when fin and the frame's last piece: the buffer is queued ->
 *                          wps_client_on_frame_writable. op_code 8 (the server's close frame):
 *                          its code and reason are kept. Pings are answered by the library.
 *   WEBSOCKET_EVENT_ERROR -> the upgrade's HTTP status kept (error_handle.esp_ws_handshake_status_code)
 *   WEBSOCKET_EVENT_DISCONNECTED / _CLOSED -> queued -> esp_websocket_client_destroy; then
 *                          wps_client_on_open_failed(HTTP status or 0) before CONNECTED, else
 *                          wps_client_on_close(the server's close code, else 1006)
 *   WPS_ACTION_SEND     -> esp_websocket_client_send_text / _send_bin (send_timeout_ms); a failed
 *                          send drops the connection (on_close 1006; the client resends after
 *                          the recovery)
 *   WPS_ACTION_CLOSE    -> esp_websocket_client_close_with_code(code, reason, close_timeout_ms),
 *                          esp_websocket_client_destroy, wps_client_on_close(the server's code,
 *                          else ours); while connecting: destroyed, on_close(1006)
 *   time                -> wps_client_tick when wps_client_next_deadline is due, at each poll
 *
 * Threads: the event handler runs in the connection's websocket task (and, for a failed send,
 * in the loop's task inside esp_websocket_client_send_*). It never blocks: xQueueSend with no
 * wait; when the queue is full it sets `lost` and queues nothing more for that connection, and
 * the loop drops it. The handler's fields (rx, peer_code, http_status, ...) are read by the loop
 * only after esp_websocket_client_destroy has returned (the task has ended), and reset before
 * the next esp_websocket_client_start.
 */
#include "wps_esp_websocket.h"

#include <string.h>

#include "esp_log.h"

static const char *TAG = "wps_esp";

#define TRACE(t, ...)                                  \
    do {                                               \
        if ((t)->opt.trace) ESP_LOGI(TAG, __VA_ARGS__); \
    } while (0)

enum { P_IDLE, P_OPENING, P_OPEN, P_ENDING, P_ENDING_OPEN }; /* ENDING*: the queue is drained */
enum { E_CONNECTED = 1, E_MESSAGE, E_ENDED };

/* What the websocket task hands to the loop. */
typedef struct esp_event_item {
    uint32_t gen;
    int kind;
    int is_text;
    unsigned char *data; /* E_MESSAGE: malloc'd, whole; the loop owns it once received */
    size_t len;
} esp_event_item;

/* ---- the websocket task's side: the event handler ---- */

static void post(wps_esp *t, esp_event_item *it) {
    if (t->lost || xQueueSend(t->queue, it, 0) != pdTRUE) {
        free(it->data);
        t->lost = 1; /* nothing more is queued for this connection: the loop drops it */
    }
}

static void on_data(wps_esp *t, const esp_websocket_event_data_t *d) {
    size_t off = (size_t)(d->payload_offset > 0 ? d->payload_offset : 0), n = (size_t)(d->data_len > 0 ? d->data_len : 0);
    size_t frame = (size_t)(d->payload_len > 0 ? d->payload_len : 0);
    if (d->op_code == 0x8) { /* the server's close frame: code (big-endian) and reason */
        if (off == 0) {
            size_t r = n > 2 ? n - 2 : 0;
            if (r > sizeof t->peer_reason) r = sizeof t->peer_reason;
            t->peer_code = n >= 2 ? (uint16_t)((unsigned char)d->data_ptr[0] << 8 | (unsigned char)d->data_ptr[1]) : 1005;
            if (r) memcpy(t->peer_reason, d->data_ptr + 2, r);
            t->peer_reason_len = r;
        }
        return;
    }
    if (d->op_code > 0x2 || t->lost) return; /* ping, pong; or this connection is being dropped */
    if (off == 0) {
        if (d->op_code != 0) { /* a message's first frame */
            t->rx_len = 0;
            t->rx_text = d->op_code == 0x1;
            t->rx_active = 1;
        }
        if (t->rx_active && t->rx_len + frame > t->max_message) {
            t->too_big = 1;
            t->lost = 1;
            return;
        }
        if (t->rx_active && t->rx_len + frame + 1 > t->rx_cap) { /* room for this whole frame */
            size_t cap = t->rx_len + frame + 1 > 2 * t->rx_cap ? t->rx_len + frame + 1 : 2 * t->rx_cap;
            unsigned char *p = (unsigned char *)realloc(t->rx, cap);
            if (!p) {
                t->lost = 1; /* out of memory: the message is lost, the loop drops the connection */
                return;
            }
            t->rx = p;
            t->rx_cap = cap;
        }
    }
    if (!t->rx_active || t->rx_len + n > t->rx_cap) return; /* a continuation without a start */
    if (n) memcpy(t->rx + t->rx_len, d->data_ptr, n);
    t->rx_len += n;
    if (d->fin && off + n >= frame) { /* the message is whole: the buffer goes to the loop */
        esp_event_item it;
        memset(&it, 0, sizeof it);
        it.gen = t->gen;
        it.kind = E_MESSAGE;
        it.is_text = t->rx_text;
        it.data = t->rx;
        it.len = t->rx_len;
        t->rx = NULL;
        t->rx_len = t->rx_cap = 0;
        t->rx_active = 0;
        post(t, &it);
    }
}

static void on_ws_event(void *arg, esp_event_base_t base, int32_t id, void *event_data) {
    wps_esp *t = (wps_esp *)arg;
    const esp_websocket_event_data_t *d = (const esp_websocket_event_data_t *)event_data;
    esp_event_item it;
    (void)base;
    memset(&it, 0, sizeof it);
    it.gen = t->gen;
    if (id == WEBSOCKET_EVENT_DATA && d) {
        on_data(t, d);
    } else if (id == WEBSOCKET_EVENT_CONNECTED) {
        it.kind = E_CONNECTED;
        post(t, &it);
    } else if (id == WEBSOCKET_EVENT_ERROR || id == WEBSOCKET_EVENT_DISCONNECTED || id == WEBSOCKET_EVENT_CLOSED) {
        if (d && d->error_handle.esp_ws_handshake_status_code) t->http_status = d->error_handle.esp_ws_handshake_status_code;
        if (id != WEBSOCKET_EVENT_ERROR) {
            it.kind = E_ENDED;
            post(t, &it);
        }
    }
}

/* ---- the loop's side ---- */

static uint32_t drain(wps_esp *t, uint32_t budget);

/* Ends the connection: its task ends (esp_websocket_client_destroy waits for it), the events it
   queued are drained (messages kept only while open), and the client hears one input: on_close
   (open, or asked to close: the server's close code, else `code`) or on_open_failed. */
static void end_connection(wps_esp *t, uint16_t code, int told_close) {
    int was_open = t->phase == P_OPEN;
    if (t->ws) {
        if (esp_websocket_client_is_connected(t->ws)) esp_websocket_client_stop(t->ws); /* no close frame */
        esp_websocket_client_destroy(t->ws);
        t->ws = NULL;
    }
    t->phase = was_open ? P_ENDING_OPEN : P_ENDING;
    drain(t, UINT32_MAX);
    if (t->too_big) code = 1009;
    if (was_open || told_close) {
        size_t r = t->peer_code ? t->peer_reason_len : 0;
        t->in.closed = 1;
        t->in.code = t->peer_code ? t->peer_code : code;
        memcpy(t->in.reason, t->peer_reason, r);
        t->in.reason_len = r;
    } else {
        t->in.open = 2;
        t->in.code = t->http_status > 0 && t->http_status < 1000 ? (uint16_t)t->http_status : 0;
    }
    TRACE(t, "connection %u ended (%s %u)", (unsigned)t->gen, t->in.closed ? "close" : "open failed", (unsigned)t->in.code);
    free(t->rx);
    t->rx = NULL;
    t->rx_len = t->rx_cap = 0;
    t->gen++; /* what is still queued is about this connection: dropped */
    t->phase = P_IDLE;
}

/* Moves what the websocket task queued into the inbox, at most budget events (never waiting);
   returns how many it took. Events of older connections are dropped. */
static uint32_t drain(wps_esp *t, uint32_t budget) {
    esp_event_item it;
    uint32_t n = 0;
    while (n < budget && t->queue && xQueueReceive(t->queue, &it, 0) == pdTRUE) {
        n++;
        if (it.gen != t->gen) {
            free(it.data);
        } else if (it.kind == E_CONNECTED && t->phase == P_OPENING) {
            t->phase = P_OPEN;
            t->in.open = 1;
            TRACE(t, "connection %u open", (unsigned)t->gen);
        } else if (it.kind == E_MESSAGE && (t->phase == P_OPEN || t->phase == P_ENDING_OPEN) && !t->dropped) {
            if (wps_adapter_push(&t->in, it.data, it.len, it.is_text) < 0) {
                t->dropped = t->lost = 1; /* out of memory: this message and the later ones are lost */
                t->error = -1;
            }
        } else if (it.kind == E_ENDED && (t->phase == P_OPENING || t->phase == P_OPEN)) {
            end_connection(t, 1006, 0);
        } else {
            free(it.data);
        }
    }
    return n;
}

static void open_ws(wps_esp *t, wps_slice url, const char *subprotocol) {
    esp_websocket_client_config_t cfg = t->config;
    t->rx_len = 0;
    t->rx_active = t->too_big = t->http_status = 0;
    t->peer_code = 0;
    t->peer_reason_len = 0;
    t->lost = t->dropped = 0;
    if (!t->queue) t->queue = xQueueCreate(t->queue_len, sizeof(esp_event_item));
    cfg.uri = url.ptr; /* NUL-terminated; esp_websocket_client_init copies it */
    cfg.subprotocol = subprotocol;
    cfg.disable_auto_reconnect = true; /* wps.h drives recovery and reconnects */
    t->ws = t->queue ? esp_websocket_client_init(&cfg) : NULL;
    if (t->ws && esp_websocket_register_events(t->ws, WEBSOCKET_EVENT_ANY, on_ws_event, t) == ESP_OK) {
        t->phase = P_OPENING; /* before the task starts: its first events find it */
        TRACE(t, "connection %u: opening", (unsigned)t->gen);
        if (esp_websocket_client_start(t->ws) == ESP_OK) return;
    }
    ESP_LOGE(TAG, "cannot start a websocket client (%s)", t->queue ? "esp_websocket_client" : "out of memory for the queue");
    if (!t->queue) t->error = -1;
    t->phase = P_OPENING;
    end_connection(t, 0, 0); /* on_open_failed(0) */
}

static void act(wps_esp *t, const wps_action *a) {
    switch (a->kind) {
    case WPS_ACTION_NEED_URL: wps_adapter_need_url(&t->opt, t->client, t->now, a); break;
    case WPS_ACTION_OPEN: open_ws(t, a->url, a->subprotocol); break;
    case WPS_ACTION_SEND:
        if (t->phase == P_OPEN) {
            int len = a->frame.len < 0x7fffffff ? (int)a->frame.len : -1, n = -1;
            if (len >= 0 && a->is_text) n = esp_websocket_client_send_text(t->ws, a->frame.ptr, len, pdMS_TO_TICKS(t->send_timeout_ms));
            else if (len >= 0) n = esp_websocket_client_send_bin(t->ws, a->frame.ptr, len, pdMS_TO_TICKS(t->send_timeout_ms));
            if (n < len || len < 0) {
                ESP_LOGW(TAG, "a send failed: dropping the connection");
                end_connection(t, 1006, 0);
            }
        } /* else no socket: the client sends the call again after the recovery */
        break;
    case WPS_ACTION_CLOSE:
        if (t->phase == P_OPEN) {
            int n = a->close_reason.len < 123 ? (int)a->close_reason.len : 123;
            TRACE(t, "closing (%u)", (unsigned)a->close_code);
            esp_websocket_client_close_with_code(t->ws, a->close_code, a->close_reason.ptr ? a->close_reason.ptr : "", n,
                                                 pdMS_TO_TICKS(t->close_timeout_ms));
            end_connection(t, a->close_code, 1);
        } else if (t->phase == P_OPENING) {
            end_connection(t, 1006, 1);
        }
        break;
    default: wps_adapter_forward(&t->opt, a); break; /* EVENT and COMPLETE */
    }
}

/* Runs the client's actions and feeds it the inbox, one input at a time, refilling the inbox
   from the queue (at most 2 * queue_len events per poll), until nothing is left. */
static void pump(wps_esp *t) {
    uint32_t budget = 2 * t->queue_len;
    for (;;) {
        wps_action a;
        wps_status st;
        while (wps_adapter_take(t->client, &a, &t->tx)) act(t, &a);
        if (t->lost && (t->phase == P_OPENING || t->phase == P_OPEN)) {
            ESP_LOGE(TAG, "%s: dropping the connection", t->too_big ? "a message larger than max_message" : "an event was lost (queue full or out of memory)");
            if (!t->too_big) t->error = -1;
            end_connection(t, 1006, 0);
        }
        if (wps_adapter_feed(&t->in, t->client, t->now, &st)) {
            if (st != WPS_OK) TRACE(t, "an input was refused: %s", wps_status_name(st));
        } else {
            uint32_t n = drain(t, budget < t->queue_len ? budget : t->queue_len);
            if (!n) break;
            budget -= n;
        }
    }
}

/* ---- the adapter shape ---- */

int wps_esp_init(wps_esp *t, wps_client *c, const wps_adapter_options *o) {
    if (!t || !c || !o) return -1;
    memset(t, 0, sizeof *t);
    t->client = c;
    t->opt = *o;
    t->queue_len = 32;
    t->send_timeout_ms = 2000;
    t->close_timeout_ms = 2000;
    t->max_message = 65536;
    return 0;
}

int wps_esp_poll(wps_esp *t, uint64_t now_ms) {
    int error;
    t->now = now_ms;
    if (wps_client_next_deadline(t->client) <= now_ms) wps_client_tick(t->client, now_ms);
    pump(t);
    error = t->error;
    t->error = 0;
    return error;
}

int wps_esp_send_pending(const wps_esp *t) {
    (void)t;
    return 0;
}

void wps_esp_close(wps_esp *t) {
    int had_connection = t->phase != P_IDLE;
    if (t->ws) {
        esp_websocket_client_destroy(t->ws);
        t->ws = NULL;
    }
    if (t->queue) {
        esp_event_item it;
        while (xQueueReceive(t->queue, &it, 0) == pdTRUE) free(it.data);
        vQueueDelete(t->queue);
        t->queue = NULL;
    }
    wps_adapter_clear(&t->in);
    free(t->rx);
    wps_adapter_tx_free(&t->tx);
    t->rx = NULL;
    t->rx_len = t->rx_cap = 0;
    t->phase = P_IDLE;
    t->gen++;
    if (had_connection) wps_client_on_close(t->client, t->now, 1006, NULL, 0);
}
