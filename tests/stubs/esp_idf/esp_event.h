/* Stub of ESP-IDF's esp_event.h / esp_event_base.h (components/esp_event/include): the handler
   type and the event base declaration esp_websocket_client.h uses. */
#ifndef ESP_EVENT_H_
#define ESP_EVENT_H_

#include <stdint.h>

#include "esp_err.h"

typedef const char *esp_event_base_t;
typedef void (*esp_event_handler_t)(void *event_handler_arg, esp_event_base_t event_base, int32_t event_id, void *event_data);

#define ESP_EVENT_DECLARE_BASE(id) extern esp_event_base_t const id
#define ESP_EVENT_ANY_ID -1

#endif
