/* wps - command-line tool for wps.h.
 *
 *   wps decode [--protocol NAME] [--direction down|up]
 *       stdin: lines "T <text frame>" or "B <base64 of a binary frame>"
 *       stdout: one JSON line per input line (the message in @azure/web-pubsub-client's shape,
 *               {"$ignored":"..."} or {"$error":"STATUS: reason"})
 *   wps encode [--protocol NAME] [--direction up|down]
 *       stdin: message JSON lines in that same shape
 *       stdout: one line per input line: "T <frame>" / "B <base64>", or {"$error":"..."}
 *
 * Defaults: --protocol json.reliable.webpubsub.azure.v1, decode --direction down, encode
 * --direction up. Exit status: 0, or 2 for usage errors. Never crashes on any input.
 */
#define WPS_IMPLEMENTATION
#include "../wps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fputs("usage: wps decode [--protocol NAME] [--direction down|up] < lines\n"
          "       wps encode [--protocol NAME] [--direction up|down] < lines\n"
          "\n"
          "decode reads 'T <text frame>' or 'B <base64 binary frame>' lines and prints each message\n"
          "as one JSON line; encode reads message JSON lines and prints 'T <frame>' or 'B <base64>'.\n"
          "protocols: json.webpubsub.azure.v1, json.reliable.webpubsub.azure.v1 (default),\n"
          "           protobuf.webpubsub.azure.v1, protobuf.reliable.webpubsub.azure.v1\n",
          f);
}

/* Growable buffers: the tool may allocate, the library never does. */
typedef struct buf {
    char *p;
    size_t cap;
} buf;

static char *buf_reserve(buf *b, size_t n) {
    if (n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *np;
        while (cap < n) cap *= 2;
        np = (char *)realloc(b->p, cap);
        if (!np) {
            fputs("wps: out of memory\n", stderr);
            exit(1);
        }
        b->p = np;
        b->cap = cap;
    }
    return b->p;
}

/* Reads one line (without the newline; a trailing CR is kept as data). Returns 0 at EOF. */
static int read_line(FILE *in, buf *line, size_t *len) {
    size_t n = 0;
    int c, any = 0;
    while ((c = getc(in)) != EOF) {
        any = 1;
        if (c == '\n') break;
        buf_reserve(line, n + 1);
        line->p[n++] = (char)c;
    }
    *len = n;
    return any;
}

static void print_error_line(wps_status st, const char *reason) {
    wps_diag d;
    buf out = {NULL, 0};
    size_t n = 0;
    memset(&d, 0, sizeof d);
    d.status = st;
    snprintf(d.reason, sizeof d.reason, "%s", reason);
    wps_render_result(st, NULL, &d, NULL, 0, &n);
    buf_reserve(&out, n);
    wps_render_result(st, NULL, &d, out.p, n, &n);
    fwrite(out.p, 1, n, stdout);
    fputc('\n', stdout);
    free(out.p);
}

static int cmd_decode(wps_codec codec) {
    buf line = {NULL, 0}, frame = {NULL, 0}, scratch = {NULL, 0}, out = {NULL, 0};
    size_t len;
    while (read_line(stdin, &line, &len)) {
        const char *payload;
        size_t plen, n = 0;
        wps_message msg;
        wps_diag diag;
        wps_status st;
        if (len >= 2 && line.p[0] == 'T' && line.p[1] == ' ') {
            payload = line.p + 2;
            plen = len - 2;
        } else if (len >= 2 && line.p[0] == 'B' && line.p[1] == ' ') {
            size_t blen = 0, blen_in = len - 2;
            wps_diag bd;
            if (blen_in && line.p[len - 1] == '\r') blen_in--; /* CRLF input */
            buf_reserve(&frame, len);
            st = wps_base64_decode(line.p + 2, blen_in, frame.p, frame.cap, &blen, &bd);
            if (st != WPS_OK) {
                print_error_line(WPS_ERR_INVALID_ARGUMENT, "the B line is not valid base64");
                continue;
            }
            payload = frame.p;
            plen = blen;
        } else {
            print_error_line(WPS_ERR_INVALID_ARGUMENT, "input line must start with 'T ' or 'B '");
            continue;
        }
        buf_reserve(&scratch, wps_decode_scratch_bound(plen) + 1);
        st = wps_decode(&codec, payload, plen, scratch.p, scratch.cap, &msg, &diag);
        wps_render_result(st, &msg, &diag, NULL, 0, &n);
        buf_reserve(&out, n + 1);
        wps_render_result(st, &msg, &diag, out.p, out.cap, &n);
        fwrite(out.p, 1, n, stdout);
        fputc('\n', stdout);
    }
    free(line.p);
    free(frame.p);
    free(scratch.p);
    free(out.p);
    return 0;
}

static int cmd_encode(wps_codec codec) {
    buf line = {NULL, 0}, scratch = {NULL, 0}, out = {NULL, 0}, b64 = {NULL, 0};
    size_t len;
    while (read_line(stdin, &line, &len)) {
        wps_message msg;
        wps_diag diag;
        size_t n = 0;
        wps_status st;
        buf_reserve(&line, len + 1);
        buf_reserve(&scratch, wps_decode_scratch_bound(len) + 1);
        st = wps_message_parse_rendered(&codec, line.p, len, scratch.p, scratch.cap, &msg, &diag);
        if (st == WPS_IGNORED) {
            print_error_line(WPS_ERR_INVALID_MESSAGE, diag.reason);
            continue;
        }
        if (st != WPS_OK) {
            print_error_line(st, diag.reason);
            continue;
        }
        st = wps_encode(&codec, &msg, NULL, 0, &n, &diag);
        if (st == WPS_ERR_BUFFER_TOO_SMALL) {
            buf_reserve(&out, n + 1);
            st = wps_encode(&codec, &msg, out.p, out.cap, &n, &diag);
        }
        if (st != WPS_OK) {
            print_error_line(st, diag.reason);
            continue;
        }
        if (wps_protocol_is_binary(codec.protocol)) {
            size_t bn = wps_base64_encode(out.p, n, NULL, 0);
            buf_reserve(&b64, bn + 1);
            wps_base64_encode(out.p, n, b64.p, b64.cap);
            fputs("B ", stdout);
            fwrite(b64.p, 1, bn, stdout);
        } else {
            fputs("T ", stdout);
            fwrite(out.p, 1, n, stdout);
        }
        fputc('\n', stdout);
    }
    free(line.p);
    free(scratch.p);
    free(out.p);
    free(b64.p);
    return 0;
}

int main(int argc, char **argv) {
    wps_protocol protocol = WPS_PROTOCOL_JSON_RELIABLE;
    int decode, i, dir_set = 0;
    wps_direction direction = WPS_DOWNSTREAM;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "decode")) decode = 1;
    else if (!strcmp(argv[1], "encode")) decode = 0;
    else {
        fprintf(stderr, "wps: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--protocol") && i + 1 < argc) {
            if (wps_protocol_from_name(argv[i + 1], strlen(argv[i + 1]), &protocol) != WPS_OK) {
                fprintf(stderr, "wps: unknown protocol '%s'\n", argv[i + 1]);
                return 2;
            }
            i++;
        } else if (!strcmp(argv[i], "--direction") && i + 1 < argc) {
            if (!strcmp(argv[i + 1], "down")) direction = WPS_DOWNSTREAM;
            else if (!strcmp(argv[i + 1], "up")) direction = WPS_UPSTREAM;
            else {
                fprintf(stderr, "wps: --direction must be up or down\n");
                return 2;
            }
            dir_set = 1;
            i++;
        } else {
            fprintf(stderr, "wps: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!dir_set) direction = decode ? WPS_DOWNSTREAM : WPS_UPSTREAM;
    return decode ? cmd_decode(wps_codec_make(protocol, direction)) : cmd_encode(wps_codec_make(protocol, direction));
}
