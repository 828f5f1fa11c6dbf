#!/usr/bin/env bash
# CLI contract of `wps decode` / `wps encode` (issue #2 item 3): exactly one output line per input
# line whatever the input, exit 0 on any input, exit 2 only for usage errors.
set -u
WPS=${1:-build/wps}
pass=0; fail=0
check() { # name, condition-exit-status
  if [ "$2" -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1"; fi
}
lines_in_out() { # name, command..., stdin from $input
  local name=$1; shift
  local out; out=$(printf '%s' "$input" | "$@"; echo "rc=$?")
  local rc=${out##*rc=}; out=${out%rc=*}
  local nin nout
  nin=$(printf '%s' "$input" | awk 'END{print NR}')
  nout=$(printf '%s' "$out" | awk 'END{print NR}')
  [ "$rc" = 0 ] && [ "$nin" = "$nout" ]; check "$name (rc=$rc in=$nin out=$nout)" $?
}
input=$'T {"type":"pong"}\nB eyJ0eXBlIjoicG9uZyJ9\nX nonsense\n\nT \nB !!!notbase64\nT {"type":"ack","ackId":1,"success":true}\nT {"type":"unknown"}\n'
lines_in_out "decode: one line per input line" "$WPS" decode
out=$(printf '%s' "$input" | "$WPS" decode)
[ "$(sed -n 1p <<<"$out")" = '{"kind":"pong"}' ]; check "decode T line" $?
[ "$(sed -n 2p <<<"$out")" = '{"kind":"pong"}' ]; check "decode B line (JSON in a binary frame)" $?
grep -q '^{"\$error":"WPS_ERR_INVALID_ARGUMENT: input line must start' <<<"$(sed -n 3p <<<"$out")"; check "decode bad prefix" $?
grep -q '^{"\$error":"WPS_ERR_EMPTY' <<<"$(sed -n 5p <<<"$out")"; check "decode empty frame" $?
[ "$(sed -n 8p <<<"$out")" = '{"$ignored":"unknown type '"'"'unknown'"'"'"}' ]; check "decode ignored" $?
input=$'{"kind":"joinGroup","group":"g","ackId":1}\nnot json\n{"kind":"ack","ackId":1,"success":true}\n{"kind":"ping"}\n'
lines_in_out "encode: one line per input line" "$WPS" encode
out=$(printf '%s' "$input" | "$WPS" encode)
[ "$(sed -n 1p <<<"$out")" = 'T {"type":"joinGroup","group":"g","ackId":1}' ]; check "encode joinGroup" $?
grep -q 'WPS_ERR_WRONG_DIRECTION' <<<"$(sed -n 3p <<<"$out")"; check "encode refuses a downstream kind upstream" $?
out=$(printf '%s\n' '{"kind":"ack","ackId":1,"success":true}' | "$WPS" encode --direction down)
[ "$out" = 'T {"type":"ack","ackId":1,"success":true}' ]; check "encode --direction down" $?
out=$(printf '%s\n' '{"kind":"sequenceAck","sequenceId":3}' | "$WPS" encode --protocol json.webpubsub.azure.v1)
grep -q 'WPS_ERR_INVALID_MESSAGE' <<<"$out"; check "encode sequenceAck on the plain protocol" $?
out=$(printf '%s\n' 'B AAE=' | "$WPS" decode --protocol protobuf.webpubsub.azure.v1)
grep -q 'WPS_ERR_UNSUPPORTED_PROTOCOL' <<<"$out"; check "protobuf protocol is reported per line" $?
# random bytes: never a crash, still one line per line
head -c 200000 /dev/urandom | tr -d '\n' | fold -w 97 | sed 's/^/T /' > build/cli_random.txt
n=$(awk 'END{print NR}' build/cli_random.txt)
m=$("$WPS" decode < build/cli_random.txt | wc -l); [ "$n" = "$m" ]; check "random input: $n lines in, $m out" $?
m=$("$WPS" encode < build/cli_random.txt | wc -l); [ "$n" = "$m" ]; check "random encode input: $n lines in, $m out" $?
# CRLF line endings: T lines carry JSON whitespace, B lines drop the CR
out=$(printf 'T {"type":"pong"}\r\nB eyJ0eXBlIjoicG9uZyJ9\r\n' | "$WPS" decode)
[ "$out" = $'{"kind":"pong"}\n{"kind":"pong"}' ]; check "CRLF input" $?
# a last line without newline still gets its output line
out=$(printf 'T {"type":"pong"}' | "$WPS" decode); [ "$out" = '{"kind":"pong"}' ]; check "last line without newline" $?
# usage errors exit 2
"$WPS" >/dev/null 2>&1; [ $? = 2 ]; check "no command exits 2" $?
"$WPS" frobnicate >/dev/null 2>&1; [ $? = 2 ]; check "unknown command exits 2" $?
"$WPS" decode --protocol nope </dev/null >/dev/null 2>&1; [ $? = 2 ]; check "unknown protocol exits 2" $?
"$WPS" decode --direction sideways </dev/null >/dev/null 2>&1; [ $? = 2 ]; check "bad direction exits 2" $?
"$WPS" decode --protocol </dev/null >/dev/null 2>&1; [ $? = 2 ]; check "missing option value exits 2" $?
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
