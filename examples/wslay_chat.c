/* wslay_chat: wps_client in a single-threaded 60 Hz game loop, over the wslay adapter
 * (examples/adapters/wslay_posix.c). Each frame: the game's update (here: send the messages that
 * are due), one wps_wslay_poll, then a 16 ms sleep. Nothing else ever waits: the TCP connect,
 * the upgrade handshake, reads, writes, drops and recoveries all advance inside the polls.
 *
 *   wslay_chat --url URL --group G [--send-every MS] [--count N] [--timeout MS]
 *              [--protocol NAME] [--prefix TEXT] [--trace] [--embedded]
 *
 * --embedded runs the embedded configuration of docs/client-guide.md: 8 calls, 8 groups, 1088-byte frames,
 * borrow_payloads (each message's text stays in `texts` until its call completes) and
 * receive_in_place (frames decoded in the adapter's buffer, no receive scratch).
 *
 * Joins G, then sends N text messages "PREFIX-1" .. "PREFIX-N" to G, one every MS ms (several in
 * one frame when MS < 16 or after a stall). A message the client cannot take yet (max_calls
 * pending, e.g. during an outage) is offered again next frame, so the order holds. Prints every
 * event, message and completion as one JSON line on stdout, as `wps connect` does, and a last
 * {"summary":{...}} line (counts, frames, the longest poll and the longest on_action in ms:
 * printing a 1 MB message to a pipe takes most of its poll). Exits 0 after all N calls
 * completed ok (or, with --count 0, on SIGTERM/SIGINT), 1 if one failed or the first connection
 * failed, 2 for usage errors, 3 on --timeout (default 60000 ms). It stops the client cleanly
 * (close handshake) before exiting.
 */
#define _POSIX_C_SOURCE 200809L
#define WPS_IMPLEMENTATION
#include "../wps.h"
#include "adapters/wslay_posix.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tools/wps/cli_util.h" /* the action lines of `wps connect`, which the tests read */

#define CHAT_TEXTS 16 /* more than max_calls: a text stays until its call completes */

typedef struct chat {
    wps_client *client;
    const char *group, *prefix;
    int join_sent, joined, stopped, start_failed;
    long count, sent, completed, failed, received;
    uint64_t max_action_us; /* the longest on_action (printing a message): part of a poll's time */
    char texts[CHAT_TEXTS][64]; /* the messages of pending calls: with --embedded the client */
    wps_call_id text_call[CHAT_TEXTS]; /* borrows them (borrow_payloads) until they complete */
} chat;

static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* EVENT and COMPLETE actions (the adapter runs the rest) */
static void on_action(void *user, const wps_action *a) {
    chat *ch = (chat *)user;
    uint64_t t0 = now_us();
    cli_print_action_line(stdout, a); /* the lines `wps connect` prints */
    if (a->kind == WPS_ACTION_EVENT) {
        if (a->message) ch->received++;
        if (a->event == WPS_EVENT_CONNECTED && !ch->join_sent) { /* once: the client rejoins by itself after reconnects */
            ch->join_sent = 1;
            wps_client_join_group(ch->client, now_us() / 1000, wps_slice_from_cstr(ch->group), NULL, NULL, NULL);
        }
        if (a->event == WPS_EVENT_START_FAILED) ch->start_failed = ch->stopped = 1; /* stopped: no `stopped` follows */
        if (a->event == WPS_EVENT_STOPPED) ch->stopped = 1;
    } else if (a->kind == WPS_ACTION_COMPLETE) {
        if (a->call_kind == WPS_CALL_JOIN_GROUP) ch->joined = a->status == WPS_OK ? 1 : -1;
        if (a->call_kind == WPS_CALL_SEND_TO_GROUP) {
            int i;
            ch->completed++;
            if (a->status != WPS_OK) ch->failed++;
            for (i = 0; i < CHAT_TEXTS; i++)
                if (ch->text_call[i] == a->call) ch->text_call[i] = 0; /* its text may be reused */
        }
    }
    fflush(stdout);
    if (now_us() - t0 > ch->max_action_us) ch->max_action_us = now_us() - t0;
}

static const char usage_text[] =
    "usage: wslay_chat --url URL --group G [--send-every MS] [--count N] [--timeout MS]\n"
    "                  [--protocol NAME] [--prefix TEXT] [--trace] [--embedded]\n"
    "A 60 Hz single-threaded loop around wps_client and the wslay adapter: joins G, sends N text\n"
    "messages PREFIX-1..PREFIX-N (default seq) one every MS ms (default 33), prints events,\n"
    "messages and completions as JSON lines, then a summary line. Exits 0 once all N completed ok\n"
    "(--count 0: on SIGTERM/SIGINT), 1 if one failed or the first connection failed, 2 usage,\n"
    "3 on --timeout (default 60000 ms). --trace: the adapter's transport steps on stderr.\n"
    "--embedded: the embedded configuration (8 calls, 8 groups, 1088 B frames,\n"
    "borrowed payloads, frames decoded in place, no receive scratch).\n";

int main(int argc, char **argv) {
    wps_client_config cfg = wps_client_config_default();
    wps_adapter_options o;
    wps_wslay t;
    chat ch;
    const char *url = NULL;
    long every_ms = 33, timeout_ms = 60000;
    uint64_t start, first_send = 0, last_send = 0, next_send = 0, stop_at = 0, max_poll_us = 0, frames = 0, late_frames = 0;
    int i, trace = 0, exit_code = 0, stopping = 0;
    size_t need;
    void *mem;
    struct sigaction sa;

    memset(&ch, 0, sizeof ch);
    ch.prefix = "seq";
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--url") && v) url = argv[++i];
        else if (!strcmp(argv[i], "--group") && v) ch.group = argv[++i];
        else if (!strcmp(argv[i], "--send-every") && v) every_ms = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--count") && v) ch.count = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--timeout") && v) timeout_ms = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--prefix") && v) ch.prefix = argv[++i];
        else if (!strcmp(argv[i], "--trace")) trace = 1;
        else if (!strcmp(argv[i], "--embedded")) {
            wps_protocol keep = cfg.protocol; /* (--protocol may come first) */
            cfg = wps_client_config_embedded();
            cfg.protocol = keep;
        }
        else if (!strcmp(argv[i], "--protocol") && v) {
            if (!cli_client_protocol("wslay_chat", argv[++i], &cfg.protocol)) return 2;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else {
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (!url || !ch.group || every_ms < 0 || ch.count < 0 || timeout_ms <= 0) {
        fputs(usage_text, stderr);
        return 2;
    }

    need = wps_client_memory_size(&cfg);
    mem = malloc(need);
    if (!mem || wps_client_init(&ch.client, &cfg, mem, need, NULL) != WPS_OK) return 1;
    o.url = url;
    o.on_action = on_action;
    o.user = &ch;
    o.trace = trace;
    wps_wslay_init(&t, ch.client, &o);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    start = now_us() / 1000;
    wps_client_start(ch.client, start);
    while (!ch.stopped) {
        uint64_t frame_start = now_us(), now = frame_start / 1000, t0, dt;
        struct timespec nap = {0, 16 * 1000000L};

        /* the game's update: send what is due, in order */
        if (ch.joined == 1 && !stopping) {
            if (!next_send) next_send = now;
            while (ch.sent < ch.count && now >= next_send) {
                wps_diag d;
                wps_status st;
                wps_call_id id = 0;
                int slot = 0;
                while (slot < CHAT_TEXTS && ch.text_call[slot]) slot++;
                if (slot == CHAT_TEXTS) break; /* every text is still in use: next frame */
                memset(&d, 0, sizeof d);
                snprintf(ch.texts[slot], sizeof ch.texts[slot], "%s-%ld", ch.prefix, ch.sent + 1);
                st = wps_client_send_to_group(ch.client, now, wps_slice_from_cstr(ch.group), WPS_DATA_TEXT, wps_slice_from_cstr(ch.texts[slot]), NULL, &id, &d);
                if (st == WPS_ERR_TOO_MANY_CALLS || st == WPS_ERR_BUSY) break; /* full: the same message next frame */
                if (st == WPS_OK) ch.text_call[slot] = id;
                if (st != WPS_OK) {
                    fprintf(stderr, "wslay_chat: sendToGroup refused: %s: %s\n", wps_status_name(st), d.reason);
                    ch.failed++;
                    ch.completed++;
                }
                if (!ch.sent) first_send = now;
                last_send = now;
                ch.sent++;
                next_send += (uint64_t)every_ms;
            }
        }
        /* when to stop: all done, a signal, a timeout, a failed start or join */
        if (!stopping) {
            int done = ch.count > 0 && ch.completed >= ch.count;
            if (ch.start_failed || ch.joined < 0) exit_code = 1;
            else if (done) exit_code = ch.failed ? 1 : 0;
            else if (now - start >= (uint64_t)timeout_ms) {
                exit_code = 3;
                fprintf(stderr, "wslay_chat: timed out after %ld ms (%ld of %ld completed)\n", timeout_ms, ch.completed, ch.count);
            }
            if (done || g_signal || exit_code) {
                stopping = 1;
                stop_at = now;
                wps_client_stop(ch.client, now);
            }
        } else if (now - stop_at > 5000) {
            fprintf(stderr, "wslay_chat: the client did not stop within 5 s\n");
            if (!exit_code) exit_code = 1;
            break;
        }

        /* the network: one poll per frame, never blocking */
        t0 = now_us();
        if (wps_wslay_poll(&t, t0 / 1000) < 0) fprintf(stderr, "wslay_chat: out of memory in the adapter\n");
        dt = now_us() - t0;
        if (dt > max_poll_us) max_poll_us = dt;
        frames++;
        if (now_us() - frame_start > 16000) late_frames++;
        nanosleep(&nap, NULL);
    }
    if (ch.start_failed && !exit_code) exit_code = 1;
    printf("{\"summary\":{\"sent\":%ld,\"completed\":%ld,\"failed\":%ld,\"received\":%ld,\"frames\":%llu,\"lateFrames\":%llu,"
           "\"maxPollMs\":%.3f,\"maxOnActionMs\":%.3f,\"sendSeconds\":%.3f,\"seconds\":%.1f,\"exit\":%d}}\n",
           ch.sent, ch.completed, ch.failed, ch.received, (unsigned long long)frames, (unsigned long long)late_frames,
           (double)max_poll_us / 1000.0, (double)ch.max_action_us / 1000.0, (double)(last_send - first_send) / 1000.0, (double)(now_us() / 1000 - start) / 1000.0, exit_code);
    fflush(stdout);
    wps_wslay_close(&t);
    free(mem);
    return exit_code;
}
