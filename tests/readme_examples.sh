#!/usr/bin/env bash
# The README's C code is real code (P7 item 2): its client block ("A client in 20 lines") and its
# codec block ("The codec in 10 lines") are cut out of README.md and compiled with the strict
# warning set, around stubs of the host functions they name; the client block is then run
# against a scripted socket (connected, the join acked, a group message received) and the codec
# block against a group message. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "  ok   $2"; else fail=$((fail + 1)); echo "  FAIL $2"; fi; }

# the fenced ```c block that follows the heading named in $1
block() { awk -v h="$1" '$0 == h {f = 1; next} f && /^```c$/ {c = 1; next} c && /^```$/ {exit} c {print}' README.md; }

block "## A client in 20 lines" > "$tmp/client_block.c"
block "## The codec in 10 lines" > "$tmp/codec_block.c"
[ -s "$tmp/client_block.c" ]; check $? "README has the client block"
[ -s "$tmp/codec_block.c" ]; check $? "README has the codec block"

# the client block: the #define/#include lines stay at file scope, the rest becomes main()'s body
grep -E '^#(define|include)' "$tmp/client_block.c" > "$tmp/client.c"
cat >> "$tmp/client.c" <<'EOF'
#include <stdio.h>
#include <string.h>
/* the host of the README, scripted: the service accepts, acks the join, sends one group message */
static uint64_t t;
static int step, shown, opened;
static const char *url = "wss://example.webpubsub.azure.com/client/hubs/chat?access_token=x";
static uint64_t now_ms(void) { return t += 10; }
static void ws_open(const char *u, const char *p) { opened = u && p && strstr(u, "wss://") == u; }
static void ws_send_text(const char *f, size_t n) { (void)f; (void)n; }
static void ws_close(uint16_t code) { (void)code; }
static void show(const wps_message *m) { shown = m && m->kind == WPS_KIND_GROUP_DATA; }
static void report(wps_call_id call, const char *status) { printf("call %u: %s\n", (unsigned)call, status); }
static int feed(wps_client *c) {
    static const char *frames[] = {
        "{\"type\":\"system\",\"event\":\"connected\",\"userId\":\"u\",\"connectionId\":\"A\",\"reconnectionToken\":\"r\"}",
        "{\"type\":\"ack\",\"ackId\":1,\"success\":true}",
        "{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"dataType\":\"text\",\"data\":\"hi\",\"sequenceId\":1}"};
    char buf[256];
    if (step == 0 && opened) { step++; return wps_client_on_open(c, now_ms()) == WPS_OK; }
    if (step >= 1 && step <= 3) {
        size_t n = strlen(frames[step - 1]);
        memcpy(buf, frames[step - 1], n);
        step++;
        return wps_client_on_frame_writable(c, now_ms(), buf, n, true) == WPS_OK;
    }
    return 0;
}
int main(void) {
EOF
grep -vE '^#(define|include)' "$tmp/client_block.c" |
  sed 's|^    /\* wait for the socket or wps_client_next_deadline(c), then feed what happened:|    if (!feed(c)) break; /* the README: wait for the socket or the deadline, then feed what happened:|' >> "$tmp/client.c"
cat >> "$tmp/client.c" <<'EOF'
    printf("opened %d, message shown %d, joined %d\n", opened, shown, step == 4);
    return opened && shown && step == 4 ? 0 : 1;
}
EOF
grep -q 'if (!feed(c)) break;' "$tmp/client.c"; check $? "the client block's wait comment is where the test feeds the socket"
gcc -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -Wno-unused-function -I. -o "$tmp/client" "$tmp/client.c" 2> "$tmp/client.err"
rc=$?; [ $rc = 0 ] || cat "$tmp/client.err"; check $rc "the client block compiles (gcc -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror)"
if [ $rc = 0 ]; then "$tmp/client" > "$tmp/client.out" 2>&1; rc=$?; cat "$tmp/client.out"; check $rc "the client block connects, joins and shows a group message"; fi

# the codec block inside main(), after a frame
cat > "$tmp/codec.c" <<'EOF'
#define WPS_IMPLEMENTATION
#include "wps.h"
#include <stdio.h>
#include <string.h>
int main(void) {
    const char *frame = "{\"type\":\"message\",\"from\":\"group\",\"group\":\"g\",\"fromUserId\":\"alice\",\"dataType\":\"text\",\"data\":\"hi\",\"sequenceId\":1}";
    size_t frame_len = strlen(frame);
EOF
cat "$tmp/codec_block.c" >> "$tmp/codec.c"
echo '    return st == WPS_OK ? 0 : 1; }' >> "$tmp/codec.c"
gcc -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -I. -o "$tmp/codec" "$tmp/codec.c" 2> "$tmp/codec.err"
rc=$?; [ $rc = 0 ] || cat "$tmp/codec.err"; check $rc "the codec block compiles"
if [ $rc = 0 ]; then out=$("$tmp/codec"); rc=$?; [ $rc = 0 ] && [ "$out" = "alice: hi" ]; check $? "the codec block prints 'alice: hi' (got '$out')"; fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
