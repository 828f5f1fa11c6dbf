/* Stub of ESP-IDF's esp_log.h: ESP_LOGE/W/I/D print "L (tag) text" on stderr when the
   environment variable ESP_STUB_LOG is set (tests/stubs/esp_idf/esp_idf_stub.c). */
#ifndef ESP_LOG_H_
#define ESP_LOG_H_

void esp_stub_log(char level, const char *tag, const char *format, ...);

#define ESP_LOGE(tag, ...) esp_stub_log('E', tag, __VA_ARGS__)
#define ESP_LOGW(tag, ...) esp_stub_log('W', tag, __VA_ARGS__)
#define ESP_LOGI(tag, ...) esp_stub_log('I', tag, __VA_ARGS__)
#define ESP_LOGD(tag, ...) esp_stub_log('D', tag, __VA_ARGS__)

#endif
