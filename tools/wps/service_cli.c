/* wps rest / wps webhook: the service helpers of wps.h on the command line (part of build/wps).
 *
 *   wps rest --connection-string CS --hub H [--service webpubsub|signalr] [--api-version V]
 *            [--now UNIX_SECONDS] [--expires-minutes N] OPERATION [--PARAM VALUE]...
 *            [--body TEXT | --body-file F] [--content-type T]
 *       prints the request: "METHOD <absolute URL>", "Name: value" header lines, an empty line,
 *       then the body bytes. PARAM names are the REST parameter names (case-insensitive).
 *
 *   wps webhook request|verify|response ...   see wps_cli_webhook below.
 */
#define _POSIX_C_SOURCE 200809L
#include "../../wps.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli_util.h"

int wps_cli_rest(int argc, char **argv);
int wps_cli_webhook(int argc, char **argv);

#define MAX_LIST 256

/* Reads a whole file (or stdin for "-"); the caller frees. */
static char *read_all(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    char *p = NULL;
    size_t n = 0, cap = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n == cap) {
            char *np = (char *)realloc(p, cap ? cap * 2 : 4096);
            if (!np) {
                free(p);
                p = NULL;
                break;
            }
            p = np;
            cap = cap ? cap * 2 : 4096;
        }
        got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (f != stdin) fclose(f);
    if (p) { /* NUL-terminated too: the HTTP reader uses strtoul / sscanf on it */
        char *np = (char *)realloc(p, n + 1);
        if (!np) {
            free(p);
            return NULL;
        }
        p = np;
        p[n] = 0;
    }
    *len = n;
    return p;
}

static int parse_u32(const char *v, uint32_t *out) {
    char *end;
    unsigned long long x;
    if (!v || !*v || *v == '-') return 0;
    x = strtoull(v, &end, 10);
    if (*end || x > 0xFFFFFFFFull) return 0;
    *out = (uint32_t)x;
    return 1;
}

static int rest_usage(void) {
    fputs("usage: wps rest --connection-string CS --hub H [--service webpubsub|signalr] [--api-version V]\n"
          "                [--now UNIX_SECONDS] [--expires-minutes N] OPERATION [--PARAM VALUE]...\n"
          "                [--body TEXT | --body-file F] [--content-type T]\n"
          "PARAMs: --group --groups --userId (--user) --connectionId --permission --excluded --filter --reason\n"
          "        --targetName --messageTtlSeconds --role --minutesToExpire --clientType --maxpagesize --top\n"
          "        --continuationToken --application --ttl --streamId --completed --target --arguments\n"
          "        --command send:TARGET[:ARGS_JSON]|join:GROUP|leave:GROUP|close[:REASON] --next-link URL\n"
          "OPERATIONs: the REST operation names, e.g. SendToGroup, AddUserToGroup, CloseConnection:\n",
          stderr);
    {
        int i;
        for (i = 0; i < (int)WPS_REST_OPERATION_COUNT; i++)
            fprintf(stderr, "  %-9s %s\n", wps_rest_operation_service((wps_rest_operation)i) == WPS_SERVICE_SIGNALR ? "signalr" : "webpubsub",
                    wps_rest_operation_name((wps_rest_operation)i));
    }
    return 2;
}

int wps_cli_rest(int argc, char **argv) {
    const char *cstr = NULL, *opname = NULL, *body_file = NULL;
    wps_service service = WPS_SERVICE_WEBPUBSUB;
    wps_rest_operation op;
    wps_rest_params p;
    wps_slice excluded[MAX_LIST], roles[MAX_LIST], groups[MAX_LIST];
    wps_signalr_command commands[MAX_LIST];
    const char *group_arg = NULL;
    size_t ngroups_flag = 0;
    wps_connection_string cs;
    wps_rest_request req;
    wps_diag d;
    wps_status st;
    char *buf = NULL, *file_body = NULL;
    size_t need = 0;
    int i, group_is_list;
    memset(&p, 0, sizeof p);
    p.now = (uint64_t)time(NULL);
    for (i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(a, "--", 2) != 0) {
            if (opname) {
                fprintf(stderr, "wps rest: unexpected argument '%s'\n", a);
                return rest_usage();
            }
            opname = a;
            continue;
        }
        if (!v) {
            fprintf(stderr, "wps rest: option %s needs a value\n", a);
            return rest_usage();
        }
        i++;
        a += 2;
#define IS(name) (!strcasecmp(a, name))
        if (IS("connection-string")) cstr = v;
        else if (IS("hub")) p.hub = wps_slice_from_cstr(v);
        else if (IS("service")) {
            if (!strcmp(v, "signalr")) service = WPS_SERVICE_SIGNALR;
            else if (strcmp(v, "webpubsub") != 0) return rest_usage();
        } else if (IS("api-version")) p.api_version = wps_slice_from_cstr(v);
        else if (IS("now")) p.now = strtoull(v, NULL, 10);
        else if (IS("expires-minutes")) {
            uint32_t m;
            if (!parse_u32(v, &m) || m > 0xFFFFFFFFu / 60u) return rest_usage();
            p.token_seconds = m * 60u;
        } else if (IS("body")) p.body = wps_slice_from_cstr(v);
        else if (IS("body-file")) body_file = v;
        else if (IS("content-type")) p.content_type = wps_slice_from_cstr(v);
        else if (IS("group")) {
            if (!group_arg) group_arg = v;
            if (ngroups_flag < MAX_LIST) groups[ngroups_flag++] = wps_slice_from_cstr(v);
        } else if (IS("groups")) {
            if (ngroups_flag < MAX_LIST) groups[ngroups_flag++] = wps_slice_from_cstr(v);
            group_arg = NULL;
        } else if (IS("userId") || IS("user")) p.user_id = wps_slice_from_cstr(v);
        else if (IS("connectionId")) p.connection_id = wps_slice_from_cstr(v);
        else if (IS("permission")) p.permission = wps_slice_from_cstr(v);
        else if (IS("excluded")) {
            if (p.excluded_count < MAX_LIST) excluded[p.excluded_count++] = wps_slice_from_cstr(v);
        } else if (IS("filter")) p.filter = wps_slice_from_cstr(v);
        else if (IS("reason")) p.reason = wps_slice_from_cstr(v);
        else if (IS("targetName")) p.target_name = wps_slice_from_cstr(v);
        else if (IS("messageTtlSeconds")) {
            if (!parse_u32(v, &p.message_ttl_seconds)) return rest_usage();
            p.has_message_ttl = true;
        } else if (IS("role")) {
            if (p.role_count < MAX_LIST) roles[p.role_count++] = wps_slice_from_cstr(v);
        } else if (IS("minutesToExpire")) {
            if (!parse_u32(v, &p.minutes_to_expire)) return rest_usage();
        } else if (IS("clientType")) p.client_type = wps_slice_from_cstr(v);
        else if (IS("maxpagesize")) {
            if (!parse_u32(v, &p.max_page_size)) return rest_usage();
        } else if (IS("top")) {
            if (!parse_u32(v, &p.top)) return rest_usage();
        } else if (IS("continuationToken")) p.continuation_token = wps_slice_from_cstr(v);
        else if (IS("application")) p.application = wps_slice_from_cstr(v);
        else if (IS("ttl")) {
            if (!parse_u32(v, &p.ttl)) return rest_usage();
            p.has_ttl = true;
        } else if (IS("streamId")) p.stream_id = wps_slice_from_cstr(v);
        else if (IS("completed")) {
            p.has_completed = true;
            if (!strcmp(v, "true")) p.completed = true;
            else if (strcmp(v, "false") != 0) return rest_usage();
        } else if (IS("target")) p.target = wps_slice_from_cstr(v);
        else if (IS("arguments")) p.arguments = wps_slice_from_cstr(v);
        else if (IS("next-link") || IS("nextLink")) p.next_link = wps_slice_from_cstr(v);
        else if (IS("command")) {
            wps_signalr_command *c = &commands[p.command_count];
            const char *colon = strchr(v, ':');
            size_t kl = colon ? (size_t)(colon - v) : strlen(v);
            if (p.command_count >= MAX_LIST) return rest_usage();
            memset(c, 0, sizeof *c);
            if (kl == 4 && !strncmp(v, "send", 4) && colon) {
                const char *c2 = strchr(colon + 1, ':');
                c->kind = WPS_SIGNALR_SEND_MESSAGE;
                c->target.ptr = colon + 1;
                c->target.len = c2 ? (size_t)(c2 - colon - 1) : strlen(colon + 1);
                if (c2) c->arguments = wps_slice_from_cstr(c2 + 1);
            } else if (kl == 4 && !strncmp(v, "join", 4) && colon) {
                c->kind = WPS_SIGNALR_JOIN_GROUP;
                c->group = wps_slice_from_cstr(colon + 1);
            } else if (kl == 5 && !strncmp(v, "leave", 5) && colon) {
                c->kind = WPS_SIGNALR_LEAVE_GROUP;
                c->group = wps_slice_from_cstr(colon + 1);
            } else if (kl == 5 && !strncmp(v, "close", 5)) {
                c->kind = WPS_SIGNALR_CLOSE_CONNECTION;
                if (colon) c->reason = wps_slice_from_cstr(colon + 1);
            } else {
                fprintf(stderr, "wps rest: bad --command '%s'\n", v);
                return rest_usage();
            }
            p.command_count++;
        } else {
            fprintf(stderr, "wps rest: unknown option --%s\n", a);
            return rest_usage();
        }
#undef IS
    }
    if (!cstr || !opname) return rest_usage();
    if (!wps_rest_operation_find(service, opname, strlen(opname), &op)) {
        fprintf(stderr, "wps rest: unknown %s operation '%s'\n", service == WPS_SERVICE_SIGNALR ? "signalr" : "webpubsub", opname);
        return rest_usage();
    }
    /* --hub is part of the synopsis: operations without one (health, access key) ignore it */
    if (strstr(wps_rest_operation_name(op), "ServiceStatus") || op == WPS_REST_SIGNALR_GET_ACCESS_KEY) p.hub.ptr = NULL;
    /* --group is the path {group}, except where the operation takes a list of groups */
    group_is_list = op == WPS_REST_GENERATE_CLIENT_TOKEN || op == WPS_REST_ADD_CONNECTIONS_TO_GROUPS || op == WPS_REST_REMOVE_CONNECTIONS_FROM_GROUPS;
    if (group_is_list) {
        p.groups = groups;
        p.group_count = ngroups_flag;
    } else if (group_arg) {
        p.group = wps_slice_from_cstr(group_arg);
        if (ngroups_flag > 1) {
            fputs("wps rest: this operation takes one --group\n", stderr);
            return 2;
        }
    } else if (ngroups_flag) {
        p.groups = groups;
        p.group_count = ngroups_flag;
    }
    p.excluded = excluded;
    p.roles = roles;
    p.commands = commands;
    if (body_file) {
        size_t n = 0;
        file_body = read_all(body_file, &n);
        if (!file_body) {
            fprintf(stderr, "wps rest: cannot read %s\n", body_file);
            return 1;
        }
        p.body.ptr = file_body;
        p.body.len = n;
    }
    st = wps_connection_string_parse(cstr, strlen(cstr), &cs, &d);
    if (st == WPS_OK) {
        st = wps_rest_build(&cs, op, &p, NULL, 0, &req, &need, &d);
        if (st == WPS_ERR_BUFFER_TOO_SMALL) {
            buf = (char *)malloc(need ? need : 1);
            st = buf ? wps_rest_build(&cs, op, &p, buf, need, &req, &need, &d) : WPS_ERR_INVALID_ARGUMENT;
        }
    }
    if (st != WPS_OK) {
        fprintf(stderr, "wps rest: %s: %s\n", wps_status_name(st), d.reason);
        free(buf);
        free(file_body);
        return 1;
    }
    printf("%s %.*s\n", req.method, (int)req.url.len, req.url.ptr);
    printf("Authorization: %.*s\n", (int)req.authorization.len, req.authorization.ptr);
    if (req.has_body) printf("Content-Type: %.*s\n", (int)req.content_type.len, req.content_type.ptr);
    fputs("\n", stdout);
    if (req.has_body) fwrite(req.body.ptr, 1, req.body.len, stdout);
    free(buf);
    free(file_body);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ webhook */

/* One HTTP message read from stdin: start line, headers, body (Content-Length, chunked, or the
   rest of the input). Slices point into text. */
typedef struct http_msg {
    char *text;
    size_t len;
    wps_slice start;
    wps_http_header headers[128];
    size_t header_count;
    wps_slice body;
    char *body_buf; /* de-chunked body */
} http_msg;

static wps_slice msg_header(const http_msg *m, const char *name) {
    size_t i, n = strlen(name);
    wps_slice none = {NULL, 0};
    for (i = 0; i < m->header_count; i++)
        if (m->headers[i].name.len == n && !strncasecmp(m->headers[i].name.ptr, name, n)) return m->headers[i].value;
    return none;
}

static int read_http(http_msg *m) {
    size_t i = 0, line_start;
    wps_slice te, cl;
    memset(m, 0, sizeof *m);
    m->text = read_all("-", &m->len);
    if (!m->text) return 0;
    for (;;) { /* lines end with CRLF or LF */
        size_t e;
        line_start = i;
        while (i < m->len && m->text[i] != '\n') i++;
        if (i >= m->len) return 0;
        e = i;
        if (e > line_start && m->text[e - 1] == '\r') e--;
        i++;
        if (e == line_start) break; /* the empty line */
        if (!m->start.ptr) {
            m->start.ptr = m->text + line_start;
            m->start.len = e - line_start;
        } else if (m->header_count < sizeof m->headers / sizeof m->headers[0]) {
            const char *colon = (const char *)memchr(m->text + line_start, ':', e - line_start);
            wps_http_header *h = &m->headers[m->header_count];
            size_t v;
            if (!colon) return 0;
            h->name.ptr = m->text + line_start;
            h->name.len = (size_t)(colon - h->name.ptr);
            v = (size_t)(colon - m->text) + 1;
            while (v < e && (m->text[v] == ' ' || m->text[v] == '\t')) v++;
            h->value.ptr = m->text + v;
            h->value.len = e - v;
            while (h->value.len && (h->value.ptr[h->value.len - 1] == ' ' || h->value.ptr[h->value.len - 1] == '\t')) h->value.len--;
            m->header_count++;
        }
    }
    m->body.ptr = m->text + i;
    m->body.len = m->len - i;
    te = msg_header(m, "Transfer-Encoding");
    cl = msg_header(m, "Content-Length");
    if (te.ptr && te.len == 7 && !strncasecmp(te.ptr, "chunked", 7)) {
        size_t at = i, out = 0;
        m->body_buf = (char *)malloc(m->len - i + 1);
        if (!m->body_buf) return 0;
        for (;;) {
            char *end;
            unsigned long n = strtoul(m->text + at, &end, 16);
            const char *nl = (const char *)memchr(m->text + at, '\n', m->len - at);
            if (!nl) return 0;
            at = (size_t)(nl - m->text) + 1;
            if (n == 0) break;
            if (n > m->len - at) return 0;
            memcpy(m->body_buf + out, m->text + at, n);
            out += n;
            at += n;
            while (at < m->len && (m->text[at] == '\r' || m->text[at] == '\n')) at++;
        }
        m->body.ptr = m->body_buf;
        m->body.len = out;
    } else if (cl.ptr) {
        size_t n = (size_t)strtoull(cl.ptr, NULL, 10);
        if (n < m->body.len) m->body.len = n;
    }
    return m->start.ptr != NULL;
}

static void put_field(const char *key, wps_slice s, int *first) {
    if (!s.ptr) return;
    printf("%s\"%s\":", *first ? "" : ",", key);
    *first = 0;
    cli_put_jstr(stdout, s.ptr, s.len);
}

static void put_hex(const char *p, size_t n) {
    size_t i;
    putchar('"');
    for (i = 0; i < n; i++) printf("%02x", (unsigned char)p[i]);
    putchar('"');
}

/* A name -> [values] object from pairs (one pair per value; a name's values are consecutive). */
static void put_map(const char *key, const wps_webhook_pair *p, size_t n) {
    size_t i = 0;
    printf(",\"%s\":{", key);
    while (i < n) {
        size_t j = i;
        if (i) putchar(',');
        cli_put_jstr(stdout, p[i].name.ptr, p[i].name.len);
        fputs(":[", stdout);
        while (j < n && p[j].name.len == p[i].name.len && !memcmp(p[j].name.ptr, p[i].name.ptr, p[i].name.len)) {
            if (j > i) putchar(',');
            cli_put_jstr(stdout, p[j].value.ptr, p[j].value.len);
            j++;
        }
        putchar(']');
        i = j;
    }
    putchar('}');
}

static void put_props(const wps_webhook_pair *p, size_t n) {
    size_t i;
    fputs("\"userProperties\":[", stdout);
    for (i = 0; i < n; i++) {
        printf("%s{\"name\":", i ? "," : "");
        cli_put_jstr(stdout, p[i].name.ptr, p[i].name.len);
        fputs(",\"value\":", stdout);
        cli_put_jstr(stdout, p[i].value.ptr, p[i].value.len);
        putchar('}');
    }
    putchar(']');
}

static void put_strings(const char *key, const wps_slice *s, size_t n) {
    size_t i;
    printf(",\"%s\":[", key);
    for (i = 0; i < n; i++) {
        if (i) putchar(',');
        cli_put_jstr(stdout, s[i].ptr, s[i].len);
    }
    putchar(']');
}

static void put_data(wps_data_type dt, wps_slice body) {
    printf(",\"dataType\":\"%s\",\"data\":", dt == WPS_DATA_TEXT ? "text" : dt == WPS_DATA_JSON ? "json" : "binary");
    if (dt == WPS_DATA_BINARY) put_hex(body.ptr, body.len);
    else cli_put_jstr(stdout, body.ptr, body.len); /* JSON as its text */
}

static int webhook_usage(void) {
    fputs("usage: wps webhook request --hub H --event E --connection-id C [--key K]... [--user U] [--subprotocol P]\n"
          "                           [--path P] [--origin HOST] [--host HOST] [--content-type T] [--body TEXT|--body-file F]\n"
          "                           [--id ID] [--time RFC3339] [--mqtt-physical-id ID] [--session-id ID]\n"
          "                           [--connection-state BASE64] [--method POST|OPTIONS]\n"
          "       wps webhook verify [--key K]... [--hub H] [--allowed-origin HOST]... < request.txt\n"
          "       wps webhook response --event connect|<user event> < response.txt\n",
          stderr);
    return 2;
}

static int webhook_request(int argc, char **argv) {
    wps_webhook_request_options o;
    wps_slice keys[8];
    wps_http_header h[32];
    const char *path = NULL, *host = "localhost", *event = NULL, *ctype = NULL, *body_file = NULL, *method = "POST";
    char pathbuf[300], timebuf[32], *buf = NULL, *file_body = NULL;
    wps_slice body = {"", 0};
    size_t nh = 0, need = 0, i;
    wps_diag d;
    wps_status st;
    int a;
    memset(&o, 0, sizeof o);
    o.keys = keys;
    o.origin = wps_slice_from_cstr("my-host.webpubsub.net");
    o.id = wps_slice_from_cstr("1");
    for (a = 3; a + 1 < argc; a += 2) {
        const char *k = argv[a] + 2, *v = argv[a + 1];
        if (strncmp(argv[a], "--", 2) != 0) return webhook_usage();
        if (!strcmp(k, "key") && o.key_count < 8) keys[o.key_count++] = wps_slice_from_cstr(v);
        else if (!strcmp(k, "hub")) o.hub = wps_slice_from_cstr(v);
        else if (!strcmp(k, "event")) event = v;
        else if (!strcmp(k, "connection-id")) o.connection_id = wps_slice_from_cstr(v);
        else if (!strcmp(k, "user")) o.user_id = wps_slice_from_cstr(v);
        else if (!strcmp(k, "subprotocol")) o.subprotocol = wps_slice_from_cstr(v);
        else if (!strcmp(k, "path")) path = v;
        else if (!strcmp(k, "origin")) o.origin = wps_slice_from_cstr(v);
        else if (!strcmp(k, "host")) host = v;
        else if (!strcmp(k, "content-type")) ctype = v;
        else if (!strcmp(k, "body")) body = wps_slice_from_cstr(v);
        else if (!strcmp(k, "body-file")) body_file = v;
        else if (!strcmp(k, "id")) o.id = wps_slice_from_cstr(v);
        else if (!strcmp(k, "time")) o.time = wps_slice_from_cstr(v);
        else if (!strcmp(k, "mqtt-physical-id")) o.physical_connection_id = wps_slice_from_cstr(v);
        else if (!strcmp(k, "session-id")) o.session_id = wps_slice_from_cstr(v);
        else if (!strcmp(k, "connection-state")) o.connection_state = wps_slice_from_cstr(v);
        else if (!strcmp(k, "method")) method = v;
        else return webhook_usage();
    }
    if (a != argc || !o.hub.ptr || !event) return webhook_usage();
    if (!path) {
        snprintf(pathbuf, sizeof pathbuf, "/api/webpubsub/hubs/%s/", o.hub.ptr);
        path = pathbuf;
    }
    if (!strcmp(method, "OPTIONS")) { /* the abuse-protection preflight */
        printf("OPTIONS %s HTTP/1.1\r\nHost: %s\r\nWebHook-Request-Origin: %.*s\r\nce-awpsversion: 1.0\r\nContent-Length: 0\r\n\r\n", path, host,
               (int)o.origin.len, o.origin.ptr);
        return 0;
    }
    if (!o.time.ptr) {
        time_t t = time(NULL);
        strftime(timebuf, sizeof timebuf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
        o.time = wps_slice_from_cstr(timebuf);
    }
    if (!strcmp(event, "connect")) o.kind = WPS_WEBHOOK_CONNECT;
    else if (!strcmp(event, "connected")) o.kind = WPS_WEBHOOK_CONNECTED;
    else if (!strcmp(event, "disconnected")) o.kind = WPS_WEBHOOK_DISCONNECTED;
    else {
        o.kind = WPS_WEBHOOK_USER_EVENT;
        o.event_name = wps_slice_from_cstr(event);
        o.data_type = WPS_DATA_TEXT;
        if (ctype && !wps_webhook_data_type(wps_slice_from_cstr(ctype), &o.data_type)) {
            fprintf(stderr, "wps webhook: a user event's Content-Type is text/plain, application/json or application/octet-stream\n");
            return 2;
        }
    }
    if (body_file) {
        size_t n = 0;
        file_body = read_all(body_file, &n);
        if (!file_body) return 1;
        body.ptr = file_body;
        body.len = n;
    } else if (o.kind != WPS_WEBHOOK_USER_EVENT && !body.len) {
        body = wps_slice_from_cstr("{}");
    }
    st = wps_webhook_request_headers(&o, h, 32, &nh, NULL, 0, &need, &d);
    if (st == WPS_ERR_BUFFER_TOO_SMALL) {
        buf = (char *)malloc(need + 1);
        st = buf ? wps_webhook_request_headers(&o, h, 32, &nh, buf, need, &need, &d) : st;
    }
    if (st != WPS_OK) {
        fprintf(stderr, "wps webhook: %s: %s\n", wps_status_name(st), d.reason);
        free(buf);
        free(file_body);
        return 1;
    }
    printf("POST %s HTTP/1.1\r\nHost: %s\r\n", path, host);
    for (i = 0; i < nh; i++) {
        wps_slice v = h[i].value;
        if (ctype && h[i].name.len == 12 && !strncmp(h[i].name.ptr, "Content-Type", 12)) v = wps_slice_from_cstr(ctype);
        printf("%.*s: %.*s\r\n", (int)h[i].name.len, h[i].name.ptr, (int)v.len, v.ptr);
    }
    printf("Content-Length: %zu\r\n\r\n", body.len);
    fwrite(body.ptr, 1, body.len, stdout);
    free(buf);
    free(file_body);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int webhook_verify(int argc, char **argv) {
    wps_slice keys[8], origins[16];
    wps_webhook_options o;
    wps_webhook_event e;
    http_msg m;
    wps_diag d;
    wps_status st;
    uint16_t status = 0;
    int a, first = 1;
    void *mem = NULL;
    wps_webhook_connect_request c;
    wps_webhook_disconnected dc;
    static const char *const kinds[] = {"", "connect", "connected", "disconnected", "user", "system"};
    memset(&o, 0, sizeof o);
    o.keys = keys;
    o.allowed_origins = origins;
    for (a = 3; a + 1 < argc; a += 2) {
        const char *k = argv[a], *v = argv[a + 1];
        if (!strcmp(k, "--key") && o.key_count < 8) keys[o.key_count++] = wps_slice_from_cstr(v);
        else if (!strcmp(k, "--hub")) o.hub = wps_slice_from_cstr(v);
        else if (!strcmp(k, "--allowed-origin") && o.allowed_origin_count < 16) origins[o.allowed_origin_count++] = wps_slice_from_cstr(v);
        else return webhook_usage();
    }
    if (a != argc) return webhook_usage();
    if (!read_http(&m)) {
        puts("reject 400 not an HTTP request");
        free(m.text);
        free(m.body_buf);
        return 0;
    }
    if (m.start.len >= 8 && !strncmp(m.start.ptr, "OPTIONS ", 8)) {
        st = wps_webhook_check_origin(msg_header(&m, "WebHook-Request-Origin"), origins, o.allowed_origin_count, &d);
        if (st == WPS_OK) puts("200 WebHook-Allowed-Origin: *");
        else printf("reject 400 %s\n", d.reason);
        free(m.text);
        return 0;
    }
    st = wps_webhook_accept(&o, m.headers, m.header_count, &e, &status, &d);
    if (st != WPS_OK) {
        printf("reject %u %s: %s\n", (unsigned)status, wps_status_name(st), d.reason);
        free(m.text);
        free(m.body_buf);
        return 0;
    }
    if (e.kind == WPS_WEBHOOK_CONNECT || e.kind == WPS_WEBHOOK_DISCONNECTED) {
        size_t need = 0;
        for (;;) { /* measure, then parse into memory of that size */
            st = e.kind == WPS_WEBHOOK_CONNECT ? wps_webhook_parse_connect(m.body.ptr, m.body.len, mem, need, &c, &need, &d)
                                               : wps_webhook_parse_disconnected(m.body.ptr, m.body.len, mem, need, &dc, &need, &d);
            if (st != WPS_ERR_BUFFER_TOO_SMALL || mem) break;
            mem = malloc(need ? need : 1);
            if (!mem) break;
        }
        if (st != WPS_OK) {
            printf("reject 400 %s: %s\n", wps_status_name(st), d.reason);
            free(mem);
            free(m.text);
            free(m.body_buf);
            return 0;
        }
    }
    fputs("{", stdout);
    printf("\"event\":\"%s\"", kinds[e.kind]);
    first = 0;
    put_field("type", e.type, &first);
    put_field("hub", e.hub, &first);
    put_field("connectionId", e.connection_id, &first);
    put_field("userId", e.user_id, &first);
    put_field("eventName", e.event_name, &first);
    put_field("subprotocol", e.subprotocol, &first);
    put_field("id", e.id, &first);
    put_field("time", e.time, &first);
    put_field("source", e.source, &first);
    put_field("origin", e.origin, &first);
    put_field("connectionState", e.connection_state, &first);
    put_field("physicalConnectionId", e.physical_connection_id, &first);
    put_field("sessionId", e.session_id, &first);
    if (e.is_mqtt) fputs(",\"isMqtt\":true", stdout);
    if (e.kind == WPS_WEBHOOK_USER_EVENT) put_data(e.data_type, m.body);
    if (e.kind == WPS_WEBHOOK_CONNECT || e.kind == WPS_WEBHOOK_DISCONNECTED) {
        if (0) {        } else if (e.kind == WPS_WEBHOOK_CONNECT) {
            size_t i;
            put_map("claims", c.claims, c.claim_count);
            put_map("query", c.query, c.query_count);
            put_map("headers", c.headers, c.header_count);
            put_strings("subprotocols", c.subprotocols, c.subprotocol_count);
            fputs(",\"clientCertificates\":[", stdout);
            for (i = 0; i < c.client_certificate_count; i++) {
                int f2 = 1;
                printf("%s{", i ? "," : "");
                put_field("thumbprint", c.client_certificates[i].thumbprint, &f2);
                put_field("content", c.client_certificates[i].content, &f2);
                putchar('}');
            }
            putchar(']');
            if (c.has_mqtt) {
                int f2 = 1;
                fputs(",\"mqtt\":{", stdout);
                if (c.mqtt_protocol_version) printf("\"protocolVersion\":%u", (unsigned)c.mqtt_protocol_version), f2 = 0;
                put_field("username", c.mqtt_username, &f2);
                put_field("password", c.mqtt_password, &f2);
                if (c.mqtt_user_property_count) {
                    if (!f2) putchar(',');
                    put_props(c.mqtt_user_properties, c.mqtt_user_property_count);
                }
                putchar('}');
            }
            fputs("}\n", stdout);
        } else {
            put_field("reason", dc.reason, &first);
            if (dc.has_mqtt) {
                printf(",\"mqtt\":{\"initiatedByClient\":%s", dc.mqtt_initiated_by_client ? "true" : "false");
                if (dc.has_mqtt_disconnect_packet) {
                    printf(",\"disconnectPacket\":{\"code\":%u", (unsigned)dc.mqtt_reason_code);
                    if (dc.mqtt_user_property_count) {
                        putchar(',');
                        put_props(dc.mqtt_user_properties, dc.mqtt_user_property_count);
                    }
                    putchar('}');
                }
                putchar('}');
            }
            fputs("}\n", stdout);
        }
    } else {
        fputs("}\n", stdout);
    }
    free(mem);
    free(m.text);
    free(m.body_buf);
    return 0;
}

static int webhook_response(int argc, char **argv) {
    http_msg m;
    const char *event = NULL;
    unsigned status = 0;
    wps_slice ct, state;
    int a;
    for (a = 3; a + 1 < argc; a += 2) {
        if (!strcmp(argv[a], "--event")) event = argv[a + 1];
        else return webhook_usage();
    }
    if (a != argc || !event) return webhook_usage();
    if (!read_http(&m) || sscanf(m.start.ptr, "HTTP/%*s %u", &status) != 1) {
        fputs("wps webhook: not an HTTP response\n", stderr);
        free(m.text);
        return 1;
    }
    ct = msg_header(&m, "Content-Type");
    state = msg_header(&m, "ce-connectionState");
    printf("{\"status\":%u", status);
    if (state.ptr) {
        fputs(",\"connectionState\":", stdout);
        cli_put_jstr(stdout, state.ptr, state.len);
    }
    if (status == 204) {
    } else if (!strcmp(event, "connect") && (status == 200 || (ct.ptr && wps_webhook_data_type(ct, NULL) && m.body.len))) {
        wps_webhook_connect_result r;
        wps_diag d;
        size_t need = 0;
        void *mem = NULL;
        wps_status st;
        for (;;) {
            st = wps_webhook_parse_connect_response(m.body.ptr, m.body.len, mem, need, &r, &need, &d);
            if (st != WPS_ERR_BUFFER_TOO_SMALL || mem) break;
            mem = malloc(need ? need : 1);
            if (!mem) break;
        }
        if (st != WPS_OK && status != 200) {
            fputs(",\"error\":", stdout);
            cli_put_jstr(stdout, m.body.ptr, m.body.len);
        } else if (st != WPS_OK) {
            printf(",\"invalid\":\"%s: ", wps_status_name(st));
            fputs(d.reason, stdout);
            putchar('"');
        } else {
            int f = 0;
            put_field("userId", r.user_id, &f);
            if (r.group_count) put_strings("groups", r.groups, r.group_count);
            put_field("subprotocol", r.subprotocol, &f);
            if (r.role_count) put_strings("roles", r.roles, r.role_count);
            if (r.has_mqtt) {
                fputs(",\"mqtt\":{", stdout);
                if (r.has_mqtt_code) {
                    int f2 = 1;
                    printf("\"code\":%u", (unsigned)r.mqtt_code);
                    f2 = 0;
                    put_field("reason", r.mqtt_reason, &f2);
                    if (r.mqtt_user_property_count) putchar(',');
                }
                if (r.mqtt_user_property_count || !r.has_mqtt_code) put_props(r.mqtt_user_properties, r.mqtt_user_property_count);
                putchar('}');
            }
        }
        free(mem);
    } else if (status >= 200 && status < 300) {
        wps_data_type dt = WPS_DATA_BINARY;
        if (ct.ptr && !wps_webhook_data_type(ct, &dt)) dt = WPS_DATA_BINARY;
        put_data(dt, m.body);
    } else {
        fputs(",\"error\":", stdout);
        cli_put_jstr(stdout, m.body.ptr, m.body.len);
    }
    fputs("}\n", stdout);
    free(m.text);
    free(m.body_buf);
    return 0;
}

/* wps webhook request | verify | response: see webhook_usage. */
int wps_cli_webhook(int argc, char **argv) {
    if (argc < 3) return webhook_usage();
    if (!strcmp(argv[2], "request")) return webhook_request(argc, argv);
    if (!strcmp(argv[2], "verify")) return webhook_verify(argc, argv);
    if (!strcmp(argv[2], "response")) return webhook_response(argc, argv);
    return webhook_usage();
}
