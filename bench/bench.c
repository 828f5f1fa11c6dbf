/* bench - decode/encode throughput of wps.h against peers on the same frames, in one run.
 *
 *   build/bench FRAMES_OUT UP_OUT [--js "node bench/bench_js.mjs"] [--seconds S]
 *
 * Workloads (deterministic):
 *   mix   - realistic downstream mix: group and server messages with 32 B..4 KB payloads, json /
 *           text / binary, sequenceIds, plus acks (the workload);
 *   small - the three ~150 B frames of docs/benchmarks.md (group message with JSON data and
 *           sequenceId, ack with error, system connected with reconnectionToken).
 * Decoding means full field extraction and data decoding (text unescaped, base64 decoded) for
 * every decoder. Peers: a straightforward cJSON-based decoder/encoder (Debian libcjson-dev) and
 * the official @azure/web-pubsub-client parser/writer run by node on the same frames (written to
 * FRAMES_OUT / UP_OUT). Prints ns/frame, frames/s, MB/s and the ratios.
 * The whole client: a connected client (default configuration) receives the small corpus's
 * group/server messages with increasing sequenceIds through wps_client_on_frame and
 * wps_client_on_frame_writable, every action polled after each (ns/message; the official client
 * on the same frames, FRAMES_OUT.client). Large message: one 1 MiB binary message (a ~1.4 MB JSON
 * frame of base64) through the client (default configuration: 8 KB scratch, so decoded in place),
 * wps_decode with a big enough scratch, wps_decode_in_place and the cJSON peer (ms/message, MB/s).
 * Build with -DNDEBUG (the Makefile does), as production builds do: without it the client checks
 * its invariants after every input.
 */
#define _POSIX_C_SOURCE 200809L
#define WPS_IMPLEMENTATION
#include "../wps.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct frame {
    char *p;
    size_t n;
} frame;

typedef struct set {
    frame *f;
    size_t count, bytes;
} set;

static uint32_t rng = 0x9e3779b9u;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void add(set *s, const char *p, size_t n) {
    s->f = (frame *)realloc(s->f, (s->count + 1) * sizeof *s->f);
    s->f[s->count].p = (char *)malloc(n);
    memcpy(s->f[s->count].p, p, n);
    s->f[s->count].n = n;
    s->count++;
    s->bytes += n;
}

/* payload sizes 32..4096, skewed toward small */
static size_t payload_size(void) {
    static const size_t sizes[] = {32, 48, 64, 96, 128, 160, 256, 512, 1024, 2048, 4096};
    return sizes[rnd() % 11 < 7 ? rnd() % 6 : rnd() % 11];
}

static void build_mix(set *down, set *up) {
    static char buf[16384], data[8192];
    size_t i;
    wps_codec dc = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM);
    uint64_t seq = 1000;
    for (i = 0; i < 2000; i++) {
        wps_message m, u;
        size_t n = 0, k, len = payload_size();
        unsigned kind = rnd() % 10;
        wps_message_init(&m, (kind < 6) ? WPS_KIND_GROUP_DATA : (kind < 8) ? WPS_KIND_SERVER_DATA : WPS_KIND_ACK);
        if (m.kind == WPS_KIND_ACK) {
            m.ack_id = rnd();
            m.has = WPS_HAS_ACK_ID | WPS_HAS_SUCCESS;
            m.success = (rnd() % 4) != 0;
            if (!m.success) {
                m.has |= WPS_HAS_ERROR;
                m.error.name = wps_slice_from_cstr("Duplicate");
                m.error.message = wps_slice_from_cstr("The message with the same ackId is already processed.");
            }
        } else {
            unsigned dt = rnd() % 3;
            m.has = WPS_HAS_DATA | WPS_HAS_SEQUENCE_ID;
            m.sequence_id = seq++;
            if (m.kind == WPS_KIND_GROUP_DATA) {
                m.group = wps_slice_from_cstr(rnd() % 2 ? "lobby" : "game-room-42");
                m.from_user_id = wps_slice_from_cstr("player-7f3a");
            }
            if (dt == 0) { /* json object with a few fields and a string filling the size */
                int w = snprintf(data, sizeof data, "{\"x\":%u,\"y\":%u,\"name\":\"", rnd() % 1000, rnd() % 1000);
                size_t pos = (size_t)w;
                while (pos + 3 < len) data[pos++] = (char)('a' + rnd() % 26);
                data[pos++] = '"';
                data[pos++] = '}';
                m.data_type = WPS_DATA_JSON;
                m.data = wps_slice_make(data, pos);
            } else if (dt == 1) { /* text with an occasional escape */
                for (k = 0; k < len; k++) data[k] = (rnd() % 64 == 0) ? '"' : (char)('a' + rnd() % 26);
                m.data_type = WPS_DATA_TEXT;
                m.data = wps_slice_make(data, len);
            } else {
                for (k = 0; k < len * 3 / 4; k++) data[k] = (char)rnd();
                m.data_type = WPS_DATA_BINARY;
                m.data = wps_slice_make(data, len * 3 / 4);
            }
        }
        if (wps_encode(&dc, &m, buf, sizeof buf, &n, NULL) != WPS_OK) abort();
        add(down, buf, n);
        if (m.kind != WPS_KIND_ACK) { /* the matching upstream sendToGroup for the encode bench */
            u = m;
            u.kind = WPS_KIND_SEND_TO_GROUP;
            u.has = WPS_HAS_DATA | WPS_HAS_ACK_ID;
            u.ack_id = m.sequence_id;
            u.group = wps_slice_from_cstr("lobby");
            u.from_user_id.ptr = NULL;
            if (wps_message_render(&u, buf, sizeof buf, &n) != WPS_OK) abort();
            add(up, buf, n);
        }
    }
}

static void build_small(set *s) {
    static const char *const f[] = {
        "{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"fromUserId\":\"user-1\",\"dataType\":\"json\","
        "\"data\":{\"x\":12,\"y\":34,\"name\":\"alice\"},\"sequenceId\":1234}",
        "{\"type\":\"ack\",\"ackId\":42,\"success\":false,\"error\":{\"name\":\"Duplicate\",\"message\":\"The message is duplicated.\"}}",
        "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"user-1\",\"connectionId\":\"abcdefghijklmnop\","
        "\"reconnectionToken\":\"Zm9vYmFyYmF6cXV4cXV1eA==\"}"};
    size_t i;
    for (i = 0; i < 3; i++) add(s, f[i], strlen(f[i]));
}

/* ------------------------------------------------------------------ decoders */

static volatile size_t sink;
static char scratch[1 << 16];
static char *g_b64_out = scratch; /* where the cJSON peer base64-decodes data (bigger for 1 MiB) */
static size_t g_b64_cap = sizeof scratch;

static size_t wps_decode_one(const frame *fr) {
    static const wps_codec c = {WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM, WPS_DEFAULT_MAX_DEPTH};
    wps_message m;
    if (wps_decode(&c, fr->p, fr->n, scratch, sizeof scratch, &m, NULL) != WPS_OK) abort();
    return m.data.len + m.group.len + (size_t)m.sequence_id + (size_t)m.ack_id + m.from_user_id.len + m.connection_id.len;
}

/* A straightforward decoder on cJSON: parse, type switch, copy out every field, decode data. */
static size_t cjson_decode_one(const frame *fr) {
    cJSON *root = cJSON_ParseWithLength(fr->p, fr->n), *t, *x;
    size_t acc = 0;
    if (!root) abort();
    t = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(t)) abort();
    if (!strcmp(t->valuestring, "message")) {
        cJSON *dt = cJSON_GetObjectItemCaseSensitive(root, "dataType"), *d = cJSON_GetObjectItemCaseSensitive(root, "data");
        x = cJSON_GetObjectItemCaseSensitive(root, "from");
        acc += cJSON_IsString(x) ? strlen(x->valuestring) : 0;
        x = cJSON_GetObjectItemCaseSensitive(root, "group");
        acc += cJSON_IsString(x) ? strlen(x->valuestring) : 0;
        x = cJSON_GetObjectItemCaseSensitive(root, "fromUserId");
        acc += cJSON_IsString(x) ? strlen(x->valuestring) : 0;
        x = cJSON_GetObjectItemCaseSensitive(root, "sequenceId");
        acc += cJSON_IsNumber(x) ? (size_t)x->valuedouble : 0;
        if (cJSON_IsString(dt) && !strcmp(dt->valuestring, "binary")) {
            size_t n = 0;
            if (wps_base64_decode(d->valuestring, strlen(d->valuestring), g_b64_out, g_b64_cap, &n, NULL) != WPS_OK) abort();
            acc += n;
        } else if (cJSON_IsString(dt) && !strcmp(dt->valuestring, "text")) {
            acc += strlen(d->valuestring);
        } else {
            acc += d ? (size_t)d->type : 0; /* the parsed JSON tree is the data */
        }
    } else if (!strcmp(t->valuestring, "ack")) {
        x = cJSON_GetObjectItemCaseSensitive(root, "ackId");
        acc += (size_t)x->valuedouble;
        x = cJSON_GetObjectItemCaseSensitive(root, "success");
        acc += cJSON_IsTrue(x);
        x = cJSON_GetObjectItemCaseSensitive(root, "error");
        if (x) {
            cJSON *n = cJSON_GetObjectItemCaseSensitive(x, "name"), *mm = cJSON_GetObjectItemCaseSensitive(x, "message");
            acc += strlen(n->valuestring) + strlen(mm->valuestring);
        }
    } else if (!strcmp(t->valuestring, "system")) {
        x = cJSON_GetObjectItemCaseSensitive(root, "connectionId");
        acc += strlen(x->valuestring);
        x = cJSON_GetObjectItemCaseSensitive(root, "userId");
        acc += x ? strlen(x->valuestring) : 0;
        x = cJSON_GetObjectItemCaseSensitive(root, "reconnectionToken");
        acc += x ? strlen(x->valuestring) : 0;
    }
    cJSON_Delete(root);
    return acc;
}

/* ------------------------------------------------------------------ encoders */

static char outbuf[1 << 16];

static size_t wps_encode_one(const wps_message *m) {
    static const wps_codec c = {WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM, WPS_DEFAULT_MAX_DEPTH};
    size_t n = 0;
    if (wps_encode(&c, m, outbuf, sizeof outbuf, &n, NULL) != WPS_OK) abort();
    return n;
}

static size_t cjson_encode_one(const wps_message *m) {
    cJSON *o = cJSON_CreateObject();
    char *s, tmp[8192];
    size_t n;
    cJSON_AddStringToObject(o, "type", "sendToGroup");
    memcpy(tmp, m->group.ptr, m->group.len);
    tmp[m->group.len] = 0;
    cJSON_AddStringToObject(o, "group", tmp);
    cJSON_AddNumberToObject(o, "ackId", (double)m->ack_id);
    cJSON_AddStringToObject(o, "dataType", wps_data_type_name(m->data_type));
    if (m->data_type == WPS_DATA_JSON) {
        memcpy(tmp, m->data.ptr, m->data.len);
        tmp[m->data.len] = 0;
        cJSON_AddItemToObject(o, "data", cJSON_Parse(tmp));
    } else if (m->data_type == WPS_DATA_TEXT) {
        memcpy(tmp, m->data.ptr, m->data.len);
        tmp[m->data.len] = 0;
        cJSON_AddStringToObject(o, "data", tmp);
    } else {
        n = wps_base64_encode(m->data.ptr, m->data.len, tmp, sizeof tmp - 1);
        tmp[n] = 0;
        cJSON_AddStringToObject(o, "data", tmp);
    }
    s = cJSON_PrintUnformatted(o);
    n = strlen(s);
    cJSON_free(s);
    cJSON_Delete(o);
    return n;
}

/* ------------------------------------------------------------------ timing */

typedef struct result {
    double ns_per_frame, frames_per_s, mb_per_s;
} result;

static double g_seconds = 6.0;

/* This VM's timings are noisy: the contenders are measured interleaved, round after round, so
   each sees the same conditions, and every figure is the best of ROUNDS rounds. */
#define ROUNDS 15

static result finish(double best_ns, size_t bytes, size_t count) {
    result r;
    r.ns_per_frame = best_ns;
    r.frames_per_s = 1e9 / best_ns;
    r.mb_per_s = (double)bytes / (double)count / best_ns * 1e3;
    return r;
}

/* One timed slice of about `seconds`: ns per item. */
static double slice_decode(const set *s, size_t (*fn)(const frame *), double seconds) {
    size_t iters = 0, i;
    double t0 = now_s(), t;
    do {
        for (i = 0; i < s->count; i++) sink += fn(&s->f[i]);
        iters++;
        t = now_s() - t0;
    } while (t < seconds);
    return t * 1e9 / ((double)iters * (double)s->count);
}

static double slice_encode(const wps_message *ms, size_t count, size_t (*fn)(const wps_message *), double seconds) {
    size_t iters = 0, i;
    double t0 = now_s(), t;
    do {
        for (i = 0; i < count; i++) sink += fn(&ms[i]);
        iters++;
        t = now_s() - t0;
    } while (t < seconds);
    return t * 1e9 / ((double)iters * (double)count);
}

#define MIN_INTO(var, x) do { double x_ = (x); if (x_ < (var)) (var) = x_; } while (0)

static void row(const char *name, result r, double base_ns) {
    printf("  %-34s %9.1f ns/frame %12.0f frames/s %9.1f MB/s", name, r.ns_per_frame, r.frames_per_s, r.mb_per_s);
    if (base_ns > 0) printf("   wps.h is %.1fx faster", r.ns_per_frame / base_ns);
    printf("\n");
}

/* One workload: wps.h, the cJSON peer and (when measured) the JS peer, with ratios. */
static void section(const char *title, const char *wname, result w, const char *cname, result c, double js_ns, double bytes_per_frame) {
    printf("\n%s:\n", title);
    row(wname, w, 0);
    row(cname, c, w.ns_per_frame);
    if (js_ns > 0) {
        result j;
        j.ns_per_frame = js_ns;
        j.frames_per_s = 1e9 / js_ns;
        j.mb_per_s = bytes_per_frame / js_ns * 1e3;
        row("@azure/web-pubsub-client (node)", j, w.ns_per_frame);
    }
}

static void write_set(const char *path, const set *s, int text_lines) {
    FILE *f = fopen(path, "w");
    size_t i;
    if (!f) {
        perror(path);
        exit(1);
    }
    for (i = 0; i < s->count; i++) {
        if (text_lines) fputs("T ", f);
        fwrite(s->f[i].p, 1, s->f[i].n, f);
        fputc('\n', f);
    }
    fclose(f);
}

/* Runs the JS bench, which prints lines "name ns_per_frame". */
static double g_js_client; /* ns per message through the official client, from bench_js.mjs */

static int run_js(const char *cmd, const char *frames, const char *small, const char *up, double *js_mix, double *js_small, double *js_enc) {
    char line[512], full[2048];
    FILE *p;
    snprintf(full, sizeof full, "%s %s %s %s %.2f", cmd, frames, small, up, g_seconds);
    p = popen(full, "r");
    if (!p) return 0;
    while (fgets(line, sizeof line, p)) {
        double v;
        if (sscanf(line, "decode-mix %lf", &v) == 1) *js_mix = v;
        else if (sscanf(line, "decode-small %lf", &v) == 1) *js_small = v;
        else if (sscanf(line, "encode-mix %lf", &v) == 1) *js_enc = v;
        else if (sscanf(line, "client %lf", &v) == 1) g_js_client = v;
        else fputs(line, stderr);
    }
    return pclose(p) == 0;
}

/* ------------------------------------------------------------------ the whole client */

/* A connected client (default configuration) receiving the small corpus's group/server messages
   with increasing sequenceIds: decode, duplicate check, sequence accounting (a sequenceAck every
   simulated second), the event, the poll of every action. */
#define CLIENT_MESSAGES 4000
static set g_client_frames, g_client_pristine; /* fed to the client; the same bytes, to check */
static double g_client_section_ns;
static void *g_client_mem;
static size_t g_client_mem_size;

static size_t find(const frame *f, const char *s) {
    size_t i, n = strlen(s);
    for (i = 0; i + n <= f->n; i++)
        if (!memcmp(f->p + i, s, n)) return i;
    abort();
}

/* Every message of `small` that carries a sequenceId, in turn, with the number after
   "sequenceId": rewritten to 1, 2, 3 ...; every other byte as in the corpus. */
static void build_client_frames(const set *small) {
    static const wps_codec c = {WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM, WPS_DEFAULT_MAX_DEPTH};
    size_t i, k, nmsg = 0, which[8];
    char buf[2048];
    for (i = 0; i < small->count && nmsg < 8; i++) {
        wps_message m;
        if (wps_decode(&c, small->f[i].p, small->f[i].n, scratch, sizeof scratch, &m, NULL) != WPS_OK) abort();
        if ((m.kind == WPS_KIND_GROUP_DATA || m.kind == WPS_KIND_SERVER_DATA) && (m.has & WPS_HAS_SEQUENCE_ID)) which[nmsg++] = i;
    }
    if (!nmsg) abort();
    for (k = 0; k < CLIENT_MESSAGES; k++) {
        const frame *f = &small->f[which[k % nmsg]];
        size_t at = find(f, "\"sequenceId\":") + 13, end = at, n;
        while (end < f->n && f->p[end] >= '0' && f->p[end] <= '9') end++;
        if (f->n + 24 > sizeof buf) abort();
        memcpy(buf, f->p, at);
        n = at + (size_t)sprintf(buf + at, "%zu", k + 1);
        memcpy(buf + n, f->p + end, f->n - end);
        n += f->n - end;
        add(&g_client_frames, buf, n);
        add(&g_client_pristine, buf, n);
    }
}

static wps_client *connected_client(void) {
    wps_client_config cfg = wps_client_config_default();
    wps_client *c = NULL;
    wps_action a;
    static const char url[] = "wss://h/client/hubs/x?access_token=t";
    static const char conn[] = "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"A\",\"reconnectionToken\":\"t\"}";
    if (wps_client_init(&c, &cfg, g_client_mem, g_client_mem_size, NULL) != WPS_OK) abort();
    wps_client_start(c, 0);
    wps_client_set_url(c, 0, url, sizeof url - 1);
    wps_client_on_open(c, 0);
    wps_client_on_frame(c, 0, conn, sizeof conn - 1, true);
    while (wps_client_poll(c, &a)) {
    }
    return c;
}

/* One received frame through the client at now_ms, every action polled (and the timer run when
   due); returns the message event's data, if any. */
static wps_slice client_receive(wps_client *c, uint64_t now, char *p, size_t n, int writable) {
    wps_action a;
    wps_slice got = {NULL, 0};
    if ((writable ? wps_client_on_frame_writable(c, now, p, n, true) : wps_client_on_frame(c, now, p, n, true)) != WPS_OK) abort();
    while (wps_client_poll(c, &a))
        if (a.kind == WPS_ACTION_EVENT && (a.event == WPS_EVENT_GROUP_MESSAGE || a.event == WPS_EVENT_SERVER_MESSAGE)) got = a.message->data;
    if (wps_client_next_deadline(c) <= now) {
        wps_client_tick(c, now);
        while (wps_client_poll(c, &a)) {
        }
    }
    return got;
}

/* ns per received message through the whole client (best run of the slice): wps_client_on_frame,
   or wps_client_on_frame_writable (these frames fit the scratch, so they are not rewritten:
   checked after each run). */
static double slice_client(int writable, double seconds) {
    double best = 1e300, start = now_s();
    do {
        wps_client *c = connected_client();
        size_t i, events = 0;
        double t0 = now_s(), t;
        for (i = 0; i < g_client_frames.count; i++)
            events += client_receive(c, (uint64_t)i + 1, g_client_frames.f[i].p, g_client_frames.f[i].n, writable).ptr != NULL;
        t = now_s() - t0;
        if (events != g_client_frames.count) abort();
        for (i = 0; writable && i < g_client_frames.count; i++)
            if (memcmp(g_client_frames.f[i].p, g_client_pristine.f[i].p, g_client_frames.f[i].n)) abort();
        if (t < best) best = t;
    } while (now_s() - start < seconds);
    return best * 1e9 / (double)g_client_frames.count;
}

static double slice_decode_client_frames(double seconds) {
    double best = 1e300, start = now_s();
    do {
        size_t i;
        double t0 = now_s(), t;
        for (i = 0; i < g_client_frames.count; i++) sink += wps_decode_one(&g_client_frames.f[i]);
        t = now_s() - t0;
        if (t < best) best = t;
    } while (now_s() - start < seconds);
    return best * 1e9 / (double)g_client_frames.count;
}

/* ------------------------------------------------------------------ one 1 MiB binary message */

/* {"type":"message","from":"group","group":"g","dataType":"binary","data":"<base64 of 1 MiB>",
   "sequenceId":N}: N has 10 digits so each receive can write the next one into its copy. */
#define BIG_DATA ((size_t)1 << 20)
enum { BIG_CLIENT, BIG_DECODE, BIG_IN_PLACE, BIG_CJSON, BIG_N };
static char *g_big, *g_big_work, *g_big_scratch; /* the frame as received; its copy; wps_decode's scratch */
static unsigned char *g_big_data;                /* the 1 MiB payload, to check every decode against */
static size_t g_big_n, g_big_seq_at, g_big_scratch_cap;

static void build_big(void) {
    static const char head[] = "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":\"";
    static const char tail[] = "\",\"sequenceId\":1000000000}";
    size_t i, b64 = (BIG_DATA + 2) / 3 * 4;
    g_big_data = (unsigned char *)malloc(BIG_DATA);
    for (i = 0; i < BIG_DATA; i++) g_big_data[i] = (unsigned char)rnd();
    g_big_n = sizeof head - 1 + b64 + sizeof tail - 1;
    g_big = (char *)malloc(g_big_n);
    g_big_work = (char *)malloc(g_big_n);
    memcpy(g_big, head, sizeof head - 1);
    if (wps_base64_encode(g_big_data, BIG_DATA, g_big + sizeof head - 1, b64) != b64) abort();
    memcpy(g_big + sizeof head - 1 + b64, tail, sizeof tail - 1);
    g_big_seq_at = g_big_n - 11;
    g_big_scratch_cap = wps_decode_scratch_bound(g_big_n);
    g_big_scratch = (char *)malloc(g_big_scratch_cap);
}

static void big_check(wps_slice d) {
    if (d.len != BIG_DATA || memcmp(d.ptr, g_big_data, BIG_DATA)) abort();
}

/* One slice of about `seconds` (at least two messages) of one contender; keeps the best times of
   one message (each run is one message, about a millisecond): the copy of the frame (in-place
   decoders only) and the receive itself. */
static void slice_big(int which, double seconds, double *copy_ns, double *recv_ns) {
    static const wps_codec codec = {WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM, WPS_DEFAULT_MAX_DEPTH};
    wps_client *c = which == BIG_CLIENT ? connected_client() : NULL;
    double start = now_s();
    size_t iters = 0;
    do {
        wps_message m;
        wps_slice got = {NULL, 0};
        double t0 = now_s(), t1, t2;
        if (which == BIG_CLIENT || which == BIG_IN_PLACE) {
            char digits[16];
            memcpy(g_big_work, g_big, g_big_n); /* decoded in place: a fresh copy each time */
            sprintf(digits, "%010zu", 1000000000u + iters + 1);
            memcpy(g_big_work + g_big_seq_at, digits, 10);
        }
        t1 = now_s();
        if (which == BIG_CLIENT) {
            got = client_receive(c, (uint64_t)iters + 1, g_big_work, g_big_n, 1);
        } else if (which == BIG_DECODE) {
            if (wps_decode(&codec, g_big, g_big_n, g_big_scratch, g_big_scratch_cap, &m, NULL) != WPS_OK) abort();
            got = m.data;
        } else if (which == BIG_IN_PLACE) {
            if (wps_decode_in_place(&codec, g_big_work, g_big_n, &m, NULL) != WPS_OK) abort();
            got = m.data;
        } else {
            frame f;
            f.p = g_big;
            f.n = g_big_n;
            sink += cjson_decode_one(&f);
            got.ptr = g_big_scratch;
            got.len = BIG_DATA;
        }
        t2 = now_s();
        big_check(got); /* untimed */
        MIN_INTO(*copy_ns, (t1 - t0) * 1e9);
        MIN_INTO(*recv_ns, (t2 - t1) * 1e9);
        iters++;
    } while (iters < 2 || now_s() - start < seconds);
}

static void big_row(const char *name, double ns, double copy_ns) {
    printf("  %-46s %7.3f ms/message %6.0f MB/s of frame %6.0f MB/s of data", name, ns * 1e-6, (double)g_big_n / ns * 1e3,
           (double)BIG_DATA / ns * 1e3);
    if (copy_ns > 0) printf("   copy first: %.3f ms (%.3f ms in all)", copy_ns * 1e-6, (ns + copy_ns) * 1e-6);
    printf("\n");
}

int main(int argc, char **argv) {
    set mix = {0}, up = {0}, small = {0};
    wps_message *ums;
    char *scratch_up;
    size_t i, used = 0, up_bytes = 0;
    const char *js = NULL, *frames_out, *up_out;
    char small_out[1024];
    result w_mix, c_mix, w_small, c_small, w_enc, c_enc;
    double js_mix = 0, js_small = 0, js_enc = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: bench FRAMES_OUT UP_OUT [--js CMD] [--seconds S]\n");
        return 2;
    }
    frames_out = argv[1];
    up_out = argv[2];
    for (i = 3; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--js") && i + 1 < (size_t)argc) js = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < (size_t)argc) g_seconds = atof(argv[++i]);
    }
    build_mix(&mix, &up);
    build_small(&small);
    write_set(frames_out, &mix, 1);
    snprintf(small_out, sizeof small_out, "%s.small", frames_out);
    write_set(small_out, &small, 1);
    write_set(up_out, &up, 0);
    /* parse the rendered upstream messages once; the encoders then start from typed messages */
    ums = (wps_message *)calloc(up.count, sizeof *ums);
    scratch_up = (char *)malloc(up.bytes + 1);
    for (i = 0; i < up.count; i++) {
        wps_codec c = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
        if (wps_message_parse_rendered(&c, up.f[i].p, up.f[i].n, scratch_up + used, up.bytes - used, &ums[i], NULL) != WPS_OK) abort();
        used += ums[i].data.ptr >= scratch_up && ums[i].data.ptr < scratch_up + up.bytes ? ums[i].data.len : 0;
        up_bytes += wps_encode_one(&ums[i]);
    }

    printf("wps.h %s bench: %zu mixed downstream frames (%.0f B average, 32 B..4 KB payloads), "
           "%zu ~150 B frames, %zu upstream sendToGroup messages;\n"
           "every figure is the best of %d interleaved rounds (%.1f s per contender); built %s\n",
           WPS_VERSION_STRING, mix.count, (double)mix.bytes / (double)mix.count, small.count, up.count, ROUNDS, g_seconds / 6.0,
#ifdef NDEBUG
           "with NDEBUG (no invariant checks, as in production)"
#else
           "WITHOUT NDEBUG: the client checks its invariants after every input (slower than production)"
#endif
    );
    {
        double b[6] = {1e300, 1e300, 1e300, 1e300, 1e300, 1e300}, sl = g_seconds / ROUNDS / 6.0;
        int round;
        for (round = 0; round < ROUNDS; round++) {
            MIN_INTO(b[0], slice_decode(&mix, wps_decode_one, sl));
            MIN_INTO(b[1], slice_decode(&mix, cjson_decode_one, sl));
            MIN_INTO(b[2], slice_decode(&small, wps_decode_one, sl));
            MIN_INTO(b[3], slice_decode(&small, cjson_decode_one, sl));
            MIN_INTO(b[4], slice_encode(ums, up.count, wps_encode_one, sl));
            MIN_INTO(b[5], slice_encode(ums, up.count, cjson_encode_one, sl));
        }
        w_mix = finish(b[0], mix.bytes, mix.count);
        c_mix = finish(b[1], mix.bytes, mix.count);
        w_small = finish(b[2], small.bytes, small.count);
        c_small = finish(b[3], small.bytes, small.count);
        w_enc = finish(b[4], up_bytes, up.count);
        c_enc = finish(b[5], up_bytes, up.count);
    }
    build_client_frames(&small);
    build_big();
    {
        char client_out[1024];
        snprintf(client_out, sizeof client_out, "%s.client", frames_out);
        write_set(client_out, &g_client_frames, 1);
    }
    if (js && !run_js(js, frames_out, small_out, up_out, &js_mix, &js_small, &js_enc)) fprintf(stderr, "JS bench failed\n");

    section("decode, realistic mix (full field extraction + data decoding)", "wps.h wps_decode", w_mix,
            "cJSON straightforward decoder", c_mix, js_mix, (double)mix.bytes / (double)mix.count);
    section("decode, ~150 B frames (docs/benchmarks.md)", "wps.h wps_decode", w_small, "cJSON straightforward decoder", c_small,
            js_small, (double)small.bytes / (double)small.count);
    {
        /* the whole client: memory, and ns per received message */
        wps_client_config cfg = wps_client_config_default(), small_cfg = cfg;
        double b[3] = {1e300, 1e300, 1e300}, sl = g_seconds / ROUNDS / 6.0, avg = 0;
        int round;
        small_cfg.max_calls = 4;
        small_cfg.max_groups = 4;
        small_cfg.max_frame_size = 1024;
        small_cfg.max_url_len = 512;
        small_cfg.max_token_len = 256;
        g_client_mem_size = wps_client_memory_size(&cfg);
        g_client_mem = malloc(g_client_mem_size);
        for (i = 0; i < g_client_frames.count; i++) avg += (double)g_client_frames.f[i].n;
        avg /= (double)g_client_frames.count;
        for (round = 0; round < ROUNDS; round++) {
            MIN_INTO(b[0], slice_client(0, sl));
            MIN_INTO(b[1], slice_client(1, sl));
            MIN_INTO(b[2], slice_decode_client_frames(sl));
        }
        g_client_section_ns = b[0] > b[1] ? b[0] : b[1];
        printf("\nclient, received messages through the whole client: a connected client (default configuration)\n"
               "receives the small corpus's group/server messages (%.0f B) %d times with sequenceIds 1, 2, 3 ...; per message:\n"
               "decode, duplicate check, sequence accounting (a sequenceAck every simulated second), event, poll of every action:\n",
               avg, CLIENT_MESSAGES);
        printf("  %-46s %7.1f ns/message %10.0f messages/s   (client overhead over wps_decode: %.1f ns)\n",
               "wps_client_on_frame + wps_client_poll", b[0], 1e9 / b[0], b[0] - b[2]);
        printf("  %-46s %7.1f ns/message %10.0f messages/s   (client overhead over wps_decode: %.1f ns)\n",
               "wps_client_on_frame_writable + wps_client_poll", b[1], 1e9 / b[1], b[1] - b[2]);
        printf("  %-46s %7.1f ns/message %10.0f messages/s\n", "(wps_decode alone on the same frames)", b[2], 1e9 / b[2]);
        if (g_js_client > 0)
            printf("  %-46s %7.1f ns/message %10.0f messages/s   wps.h is %.1fx faster\n", "@azure/web-pubsub-client (node)",
                   g_js_client, 1e9 / g_js_client, g_js_client / b[0]);
        printf("  memory per client: %zu bytes with the default configuration, %zu with a small one\n"
               "  (4 calls, 4 groups, 1 KB frames, 512 B URL, 256 B tokens); heap allocations by the library: 0\n",
               g_client_mem_size, wps_client_memory_size(&small_cfg));
    }
    {
        /* one 1 MiB binary message: the client (its 8 KB scratch is too small: decoded in place),
           the codec alone, and the cJSON peer */
        double copy[BIG_N], recv[BIG_N], sl = g_seconds / ROUNDS / 6.0;
        int round, k;
        for (k = 0; k < BIG_N; k++) copy[k] = recv[k] = 1e300;
        g_b64_out = g_big_scratch; /* the cJSON peer's base64 output */
        g_b64_cap = g_big_scratch_cap;
        for (round = 0; round < ROUNDS; round++)
            for (k = 0; k < BIG_N; k++) slice_big(k, sl, &copy[k], &recv[k]);
        printf("\nreceive one 1 MiB binary message (%zu B of data, base64 in a %zu B JSON frame), the best single\n"
               "message of %d interleaved rounds; the in-place decoders rewrite the frame, so each receive first copies it\n"
               "(timed apart: the copy, then the receive):\n",
               BIG_DATA, g_big_n, ROUNDS);
        big_row("client: wps_client_on_frame_writable + poll", recv[BIG_CLIENT], copy[BIG_CLIENT]);
        big_row("codec: wps_decode, big enough scratch", recv[BIG_DECODE], 0);
        big_row("codec: wps_decode_in_place", recv[BIG_IN_PLACE], copy[BIG_IN_PLACE]);
        big_row("cJSON straightforward decoder", recv[BIG_CJSON], 0);
        printf("  (the client: default configuration, %zu bytes of memory, none added for the message)\n", g_client_mem_size);
        free(g_client_mem);
    }
    section("encode, upstream sendToGroup mix", "wps.h wps_encode", w_enc, "cJSON build + print", c_enc, js_enc,
            (double)up_bytes / (double)up.count);
    /* the ratio targets, on both decode workloads */
    printf("\ntargets: <= 60 ns per ~150 B frame (%s: %.1f ns)\n", w_small.ns_per_frame <= 60 ? "met" : "NOT met", w_small.ns_per_frame);
    printf("         >= 30x the JS parser: ~150 B frames %s (%.1fx), mix %s (%.1fx)\n",
           js_small > 0 && js_small / w_small.ns_per_frame >= 30 ? "met" : "NOT met", js_small > 0 ? js_small / w_small.ns_per_frame : 0.0,
           js_mix > 0 && js_mix / w_mix.ns_per_frame >= 30 ? "met" : "NOT met", js_mix > 0 ? js_mix / w_mix.ns_per_frame : 0.0);
    printf("         >= 5x cJSON: ~150 B frames %s (%.1fx), mix %s (%.1fx)\n",
           c_small.ns_per_frame / w_small.ns_per_frame >= 5 ? "met" : "NOT met", c_small.ns_per_frame / w_small.ns_per_frame,
           c_mix.ns_per_frame / w_mix.ns_per_frame >= 5 ? "met" : "NOT met", c_mix.ns_per_frame / w_mix.ns_per_frame);
    printf("         client: <= 100 ns per received message, on_frame and on_frame_writable (%s: %.1f ns at most),\n"
           "         0 heap allocations (met: the implementation calls no allocator)\n",
           g_client_section_ns <= 100 ? "met" : "NOT met", g_client_section_ns);
    return 0;
}
