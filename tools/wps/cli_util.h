/* Small helpers shared by the wps command-line tool (the examples) and the tests that drive the
   same text formats. Not part of the library. */
#ifndef WPS_CLI_UTIL_H
#define WPS_CLI_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes s as a JSON string (UTF-8 passed through; controls, quotes and backslashes escaped). */
static inline void cli_put_jstr(FILE *f, const char *s, size_t n) {
    size_t i;
    fputc('"', f);
    for (i = 0; s && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* ,"key":"value" for a slice that is set (ptr not NULL); nothing otherwise. */
static inline void cli_put_field(FILE *f, const char *key, wps_slice s) {
    if (!s.ptr) return;
    fprintf(f, ",\"%s\":", key);
    cli_put_jstr(f, s.ptr, s.len);
}

/* ,"data":JSON: a message's data in the @azure/web-pubsub-client shape (wps_message_render). */
static inline void cli_put_message_data(FILE *f, const wps_message *m) {
    size_t n = 0;
    char *r;
    wps_message_render(m, NULL, 0, &n);
    r = (char *)malloc(n + 1);
    if (!r) exit(1);
    wps_message_render(m, r, n, &n);
    fputs(",\"data\":", f);
    fwrite(r, 1, n, f);
    free(r);
}

#ifndef WPS_NO_CLIENT
/* The fields an event names (wps_action): connectionId, userId, group, message (the service's text). */
static inline void cli_put_event_names(FILE *f, const wps_action *a) {
    cli_put_field(f, "connectionId", a->connection_id);
    cli_put_field(f, "userId", a->user_id);
    cli_put_field(f, "group", a->group);
    cli_put_field(f, "message", a->message_text);
}

/* The JSON line of a live client (`wps connect`, wslay_chat) for an EVENT or COMPLETE action:
   {"event":NAME,...} or {"complete":KIND,"status":...,"sent":...}; other kinds print nothing. */
static inline void cli_print_action_line(FILE *f, const wps_action *a) {
    if (a->kind == WPS_ACTION_EVENT) {
        fprintf(f, "{\"event\":\"%s\"", wps_event_kind_name(a->event));
        cli_put_event_names(f, a);
        cli_put_field(f, "error", a->error_message);
        if (a->event == WPS_EVENT_DISCONNECTED || a->event == WPS_EVENT_START_FAILED) fprintf(f, ",\"code\":%u", a->close_code);
        if (a->event == WPS_EVENT_REJOIN_GROUP_FAILED || a->event == WPS_EVENT_FRAME_ERROR) fprintf(f, ",\"status\":\"%s\"", wps_status_name(a->status));
        if (a->needed) fprintf(f, ",\"needed\":%llu", (unsigned long long)a->needed);
        if (a->message) cli_put_message_data(f, a->message);
        fputs("}\n", f);
    } else if (a->kind == WPS_ACTION_COMPLETE) {
        fprintf(f, "{\"complete\":\"%s\",\"status\":\"%s\"", wps_call_kind_name(a->call_kind), a->status == WPS_OK ? "ok" : wps_status_name(a->status));
        if (a->has_ack_id) fprintf(f, ",\"ackId\":%llu", (unsigned long long)a->ack_id);
        fprintf(f, ",\"sent\":%s", a->sent ? "true" : "false"); /* false: no attempt was handed to the socket */
        if (a->is_duplicated) fputs(",\"isDuplicated\":true", f);
        cli_put_field(f, "error", a->error_name);
        fputs("}\n", f);
    }
}

/* A retry policy written MAX/DELAY_MS/MAX_DELAY_MS[/exponential] (MAX may be "unlimited"). */
static inline int cli_retry_policy(const char *v, wps_retry_policy *p) {
    char maxr[32], mode[32] = "fixed";
    unsigned d = 0, md = 0;
    if (sscanf(v, "%31[^/]/%u/%u/%31s", maxr, &d, &md, mode) < 3) return 0;
    p->max_retries = !strcmp(maxr, "unlimited") ? WPS_RETRY_UNLIMITED : (uint32_t)strtoul(maxr, NULL, 10);
    p->delay_ms = d;
    p->max_delay_ms = md;
    p->mode = !strcmp(mode, "exponential") ? WPS_RETRY_EXPONENTIAL : WPS_RETRY_FIXED;
    return 1;
}

/* A --protocol value for the client programs: a JSON subprotocol name (the codec has no protobuf
   yet). Says why on stderr, as `prog`, and returns 0 when it is not one. */
static inline int cli_client_protocol(const char *prog, const char *name, wps_protocol *out) {
    if (wps_protocol_from_name(name, strlen(name), out) == WPS_OK && !wps_protocol_is_binary(*out)) return 1;
    fprintf(stderr, "%s: unsupported protocol '%s'\n", prog, name);
    return 0;
}
#endif

#endif
