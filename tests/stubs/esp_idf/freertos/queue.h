/* Stub of FreeRTOS's queue.h: the four calls the ESP-IDF adapter makes (in FreeRTOS they are
   macros over xQueueGenericCreate / xQueueGenericSend; same arguments). The stub queue is a
   ring buffer, single-threaded: a send to a full queue fails at once whatever the wait. */
#ifndef QUEUE_H
#define QUEUE_H

#include "FreeRTOS.h"

typedef struct QueueDefinition *QueueHandle_t;

QueueHandle_t xQueueCreate(UBaseType_t uxQueueLength, UBaseType_t uxItemSize);
BaseType_t xQueueSend(QueueHandle_t xQueue, const void *pvItemToQueue, TickType_t xTicksToWait);
BaseType_t xQueueReceive(QueueHandle_t xQueue, void *pvBuffer, TickType_t xTicksToWait);
void vQueueDelete(QueueHandle_t xQueue);

#endif
