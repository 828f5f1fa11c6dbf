/* bench - decode/encode throughput of wps.h against peers on the same frames, in one run.
 *
 *   build/bench FRAMES_OUT UP_OUT [--js "node bench/bench_js.mjs"] [--seconds S]
 *
 * Workloads (deterministic):
 *   mix   - realistic downstream mix: group and server messages with 32 B..4 KB payloads, json /
 *           text / binary, sequenceIds, plus acks (the workload);
 *   small - the three ~150 B frames of spec/anchors.md C2 (group message with JSON data and
 *           sequenceId, ack with error, system connected with reconnectionToken).
 * Decoding means full field extraction and data decoding (text unescaped, base64 decoded) for
 * every decoder. Peers: a straightforward cJSON-based decoder/encoder (Debian libcjson-dev) and
 * the official @azure/web-pubsub-client parser/writer run by node on the same frames (written to
 * FRAMES_OUT / UP_OUT). Prints ns/frame, frames/s, MB/s and the ratios.
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
            if (wps_base64_decode(d->valuestring, strlen(d->valuestring), scratch, sizeof scratch, &n, NULL) != WPS_OK) abort();
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

/* A connected client receiving group messages with increasing sequenceIds: decode, duplicate
   check, sequence accounting (a sequenceAck every simulated second), the event, the poll. */
static set g_client_frames;
static double g_client_section_ns;
static void *g_client_mem;
static size_t g_client_mem_size;

static void build_client_frames(void) {
    char buf[512];
    size_t i;
    for (i = 0; i < 4000; i++) {
        int n = snprintf(buf, sizeof buf,
                         "{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"fromUserId\":\"player-7f3a\","
                         "\"dataType\":\"%s\",\"data\":%s,\"sequenceId\":%zu}",
                         i % 2 ? "json" : "text", i % 2 ? "{\"x\":12,\"y\":34,\"hp\":100}" : "\"move north-east quickly\"", i + 1);
        add(&g_client_frames, buf, (size_t)n);
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

/* ns per received message through the whole client (best of the round) */
static double slice_client(double seconds) {
    double best = 1e300, start = now_s();
    do {
        wps_client *c = connected_client();
        size_t i, events = 0;
        uint64_t now = 0;
        double t0 = now_s(), t;
        for (i = 0; i < g_client_frames.count; i++) {
            wps_action a;
            now++;
            if (wps_client_on_frame(c, now, g_client_frames.f[i].p, g_client_frames.f[i].n, true) != WPS_OK) abort();
            while (wps_client_poll(c, &a)) events += a.kind == WPS_ACTION_EVENT;
            if (wps_client_next_deadline(c) <= now) {
                wps_client_tick(c, now);
                while (wps_client_poll(c, &a)) {
                }
            }
        }
        t = now_s() - t0;
        if (events != g_client_frames.count) abort();
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
           "%zu ~150 B frames, %zu upstream sendToGroup messages; best of 15 interleaved rounds, %.1f s in all\n",
           WPS_VERSION_STRING, mix.count, (double)mix.bytes / (double)mix.count, small.count, up.count, g_seconds);
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
    build_client_frames();
    {
        char client_out[1024];
        snprintf(client_out, sizeof client_out, "%s.client", frames_out);
        write_set(client_out, &g_client_frames, 1);
    }
    if (js && !run_js(js, frames_out, small_out, up_out, &js_mix, &js_small, &js_enc)) fprintf(stderr, "JS bench failed\n");

    section("decode, realistic mix (full field extraction + data decoding)", "wps.h wps_decode", w_mix,
            "cJSON straightforward decoder", c_mix, js_mix, (double)mix.bytes / (double)mix.count);
    section("decode, ~150 B frames (spec/anchors.md C2)", "wps.h wps_decode", w_small, "cJSON straightforward decoder", c_small,
            js_small, (double)small.bytes / (double)small.count);
    {
        /* the whole client: memory, and ns per received message */
        wps_client_config cfg = wps_client_config_default(), small_cfg = cfg;
        double client_ns = 1e300, decode_ns = 1e300, avg = 0;
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
            double x = slice_client(g_seconds / ROUNDS / 6.0), y = slice_decode_client_frames(g_seconds / ROUNDS / 6.0);
            if (x < client_ns) client_ns = x;
            if (y < decode_ns) decode_ns = y;
        }
        g_client_section_ns = client_ns;
        printf("\nclient, received group messages (%.0f B average) through the whole client\n"
               "(decode, duplicate check, sequence accounting with a sequenceAck every second, event, poll):\n"
               "  wps_client                            %6.1f ns/message   %12.0f messages/s   (wps_decode alone: %.1f ns, client overhead %.1f ns)\n",
               avg, client_ns, 1e9 / client_ns, decode_ns, client_ns - decode_ns);
        if (g_js_client > 0)
            printf("  @azure/web-pubsub-client (node)     %8.1f ns/message   %12.0f messages/s   wps.h is %.1fx faster\n", g_js_client,
                   1e9 / g_js_client, g_js_client / client_ns);
        printf("  memory per client: %zu bytes with the default configuration, %zu with a small one\n"
               "  (4 calls, 4 groups, 1 KB frames, 512 B URL, 256 B tokens); heap allocations by the library: 0\n",
               g_client_mem_size, wps_client_memory_size(&small_cfg));
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
    printf("         client: <= 100 ns per received message (%s: %.1f ns), 0 heap allocations (met: the implementation calls no allocator)\n",
           g_client_section_ns <= 100 ? "met" : "NOT met", g_client_section_ns);
    return 0;
}
