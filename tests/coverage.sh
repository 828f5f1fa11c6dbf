#!/usr/bin/env bash
# `make coverage` (P7 item 7): line and branch coverage of wps.h from the unit tests and the
# scenarios (build/cov/tests: every suite of tests/main.c, the scenarios included) and the short
# client soak, with clang's source-based coverage. Prints llvm-cov's report for wps.h and fails
# when branch coverage is below COVERAGE_MIN (default 90). `COVERAGE_SHOW=1` also writes the
# annotated source, uncovered branches marked, to build/cov/wps.h.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
min=${COVERAGE_MIN:-90}
out=build/cov
mkdir -p "$out"
rm -f "$out"/*.profraw
flags="-std=c99 -O0 -g -fprofile-instr-generate -fcoverage-mapping"
src="tests/main.c $(ls tests/test_*.c | tr '\n' ' ')"
clang $flags -o "$out/tests" $src || exit 1
clang $flags -o "$out/soak" tests/soak.c || exit 1
LLVM_PROFILE_FILE="$out/unit.profraw" "$out/tests" > "$out/unit.log" 2>&1 || { tail -5 "$out/unit.log"; exit 1; }
LLVM_PROFILE_FILE="$out/soak.profraw" "$out/soak" --seed 1 > "$out/soak.log" 2>&1 || { tail -5 "$out/soak.log"; exit 1; }
llvm-profdata merge -o "$out/all.profdata" "$out"/*.profraw || exit 1
report=$(llvm-cov report "$out/tests" -object "$out/soak" -instr-profile="$out/all.profdata" wps.h) || exit 1
echo "$report" | sed -n '1p;$p'
[ "${COVERAGE_SHOW:-0}" = 1 ] && llvm-cov show "$out/tests" -object "$out/soak" -instr-profile="$out/all.profdata" -show-branches=count wps.h > "$out/wps.h.txt"
# TOTAL  regions missed cover  functions missed executed  lines missed cover  branches missed cover
read -r lines_pct branches_pct < <(echo "$report" | awk '/^TOTAL/ {print $10, $13}')
echo "wps.h: lines $lines_pct, branches $branches_pct (minimum $min%)"
if awk -v b="${branches_pct%\%}" -v m="$min" 'BEGIN {exit !(b + 0 >= m + 0)}'; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; exit 1; fi
