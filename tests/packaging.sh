#!/usr/bin/env bash
# Packaging (issue P6 item 7): `make install` into a temporary prefix, then a tiny consumer built
# from it with pkg-config and with CMake's find_package(wps), and from the repository with CMake's
# add_subdirectory; CMake's own install rules give the same files; the CMake package's version
# rules; and examples/cpp_client.cpp compiled with g++ and clang++ as C++11, 14, 17 and 20 under
# -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror (and run). Needs cmake and pkg-config
# (`make setup` installs them). Run from anywhere; prints `N passed, M failed`.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { # name, exit status; on failure shows $tmp/log
  if [ "$2" -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1"; [ -s "$tmp/log" ] && tail -20 "$tmp/log"; fi
  : > "$tmp/log"
}
version=$(sed -n 's/^#define WPS_VERSION_STRING "\(.*\)"/\1/p' "$repo/wps.h")
CC=${CC:-cc}

# ---- the consumer: decodes a frame, prints OK
mkdir -p "$tmp/consumer"
cat > "$tmp/consumer/consumer.c" <<'EOF'
#define WPS_IMPLEMENTATION
#include <wps.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    const char *frame = "{\"type\":\"message\",\"from\":\"group\",\"group\":\"lobby\",\"dataType\":\"text\",\"data\":\"hi\"}";
    wps_codec codec = wps_codec_make(WPS_PROTOCOL_JSON, WPS_DOWNSTREAM);
    wps_message msg;
    char scratch[64];
    if (wps_decode(&codec, frame, strlen(frame), scratch, sizeof scratch, &msg, NULL) != WPS_OK) return 1;
    if (msg.kind != WPS_KIND_GROUP_DATA || msg.data.len != 2 || memcmp(msg.data.ptr, "hi", 2) != 0) return 1;
    printf("OK %s\n", WPS_VERSION_STRING);
    return 0;
}
EOF
cat > "$tmp/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.14)
project(consumer C)
if(WPS_SOURCE_DIR)
  add_subdirectory("${WPS_SOURCE_DIR}" wps)
else()
  find_package(wps CONFIG REQUIRED)
  message(STATUS "wps ${wps_VERSION} from ${wps_DIR}")
endif()
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE wps::wps)
EOF
runs_ok() { [ "$("$1" 2>>"$tmp/log")" = "OK $version" ]; }

# ---- make install
prefix=$tmp/prefix
make -s -C "$repo" --no-print-directory install PREFIX="$prefix" DESTDIR= >"$tmp/log" 2>&1
check "make install PREFIX=$prefix" $?
for f in include/wps.h lib/pkgconfig/wps.pc lib/cmake/wps/wpsConfig.cmake lib/cmake/wps/wpsConfigVersion.cmake; do
  [ -f "$prefix/$f" ]; check "installed $f" $?
done
cmp -s "$repo/wps.h" "$prefix/include/wps.h"; check "installed wps.h is the repository's" $?
make -s -C "$repo" --no-print-directory install PREFIX=/opt/wps DESTDIR="$tmp/stage" >"$tmp/log" 2>&1 &&
  [ -f "$tmp/stage/opt/wps/include/wps.h" ] && grep -qx 'prefix=/opt/wps' "$tmp/stage/opt/wps/lib/pkgconfig/wps.pc"
check "DESTDIR stages the files; wps.pc names PREFIX without DESTDIR" $?
make -s -C "$repo" --no-print-directory uninstall PREFIX=/opt/wps DESTDIR="$tmp/stage" >"$tmp/log" 2>&1 &&
  [ -z "$(find "$tmp/stage" -type f)" ]
check "make uninstall removes every installed file" $?

# ---- 1. pkg-config
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion wps 2>"$tmp/log")" = "$version" ]; check "pkg-config --modversion wps = $version" $?
[ "$(pkg-config --cflags wps | sed 's/ *$//')" = "-I$prefix/include" ] && [ -z "$(pkg-config --libs wps | tr -d ' ')" ]
check "pkg-config: -I<prefix>/include, no libs (header-only)" $?
# shellcheck disable=SC2046
$CC -std=c99 -Wall -Wextra -Werror $(pkg-config --cflags wps) -o "$tmp/c-pkgconfig" "$tmp/consumer/consumer.c" >"$tmp/log" 2>&1 &&
  runs_ok "$tmp/c-pkgconfig"
check "consumer built with pkg-config --cflags wps prints OK" $?
unset PKG_CONFIG_PATH

# ---- 2. find_package(wps CONFIG REQUIRED) + wps::wps, from the prefix
cmake -S "$tmp/consumer" -B "$tmp/b-find" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/log" 2>&1 &&
  grep -q "wps $version from $prefix/lib/cmake/wps" "$tmp/log" &&
  cmake --build "$tmp/b-find" >>"$tmp/log" 2>&1 && runs_ok "$tmp/b-find/consumer"
check "consumer built with find_package(wps) + wps::wps prints OK" $?

# ---- 3. add_subdirectory of the repository
cmake -S "$tmp/consumer" -B "$tmp/b-sub" -DWPS_SOURCE_DIR="$repo" >"$tmp/log" 2>&1 &&
  cmake --build "$tmp/b-sub" >>"$tmp/log" 2>&1 && runs_ok "$tmp/b-sub/consumer"
check "consumer built with add_subdirectory(wps) + wps::wps prints OK" $?
# a subproject installs nothing unless asked (WPS_INSTALL)
cmake --install "$tmp/b-sub" --prefix "$tmp/sub-prefix" >"$tmp/log" 2>&1 && [ ! -e "$tmp/sub-prefix/include/wps.h" ]
check "add_subdirectory: no install rules by default" $?

# ---- CMake's install rules give what make install gives (wps.pc naming its own prefix)
cmake -S "$repo" -B "$tmp/b-repo" >"$tmp/log" 2>&1 && cmake --install "$tmp/b-repo" --prefix "$tmp/cprefix" >>"$tmp/log" 2>&1 &&
  diff -r -x wps.pc "$prefix" "$tmp/cprefix" >>"$tmp/log" 2>&1 &&
  diff <(sed 1d "$prefix/lib/pkgconfig/wps.pc") <(sed 1d "$tmp/cprefix/lib/pkgconfig/wps.pc") >>"$tmp/log" 2>&1 &&
  grep -qx "prefix=$tmp/cprefix" "$tmp/cprefix/lib/pkgconfig/wps.pc"
check "cmake --install installs the same files as make install" $?

# ---- the CMake package's version rules (0.x: same minor; ranges)
mkdir -p "$tmp/versions"
cat > "$tmp/versions/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.19)
project(versions NONE)
foreach(want IN ITEMS "" 0.2 0.2.0 0.1 0.3 1.0 0.1...<1.0 0.3...1.0)
  unset(wps_DIR CACHE)
  find_package(wps ${want} CONFIG QUIET)
  message(STATUS "want[${want}] found=${wps_FOUND}")
endforeach()
EOF
cmake -S "$tmp/versions" -B "$tmp/b-versions" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/log" 2>&1
got=$(sed -n 's/^-- want\[\(.*\)\] found=\(.*\)$/\1=\2/p' "$tmp/log" | tr '\n' ' ')
want_major_minor=${version%.*}
if [ "$want_major_minor" = 0.2 ]; then
  [ "$got" = "=1 0.2=1 0.2.0=1 0.1=0 0.3=0 1.0=0 0.1...<1.0=1 0.3...1.0=0 " ]
  check "find_package version rules: $got" $?
fi

# ---- C++11 to C++20 with g++ and clang++: examples/cpp_client.cpp (wps.h with WPS_IMPLEMENTATION)
# built and run as C++11 and C++20, checked (-fsyntax-only: the same diagnostics at -O0) as 14 and 17
cxx_build() { # compiler, standard
  local out=(-o "$tmp/cpp-$1-$2")
  case $2 in 14|17) out=(-fsyntax-only);; esac
  "$1" -std="c++$2" -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -O0 \
    "${out[@]}" "$repo/examples/cpp_client.cpp" >"$tmp/cxx-$1-$2.log" 2>&1 &&
    { [ "${out[0]}" = -fsyntax-only ] || "$tmp/cpp-$1-$2" >>"$tmp/cxx-$1-$2.log" 2>&1; }
  echo $? > "$tmp/cxx-$1-$2.rc"
}
for std in 11 14 17 20; do
  cxx_build g++ "$std" & cxx_build clang++ "$std" & wait
done
for cxx in g++ clang++; do
  for std in 11 14 17 20; do
    cp "$tmp/cxx-$cxx-$std.log" "$tmp/log"
    what="builds and runs"; case $std in 14|17) what="compiles";; esac
    [ "$(cat "$tmp/cxx-$cxx-$std.rc")" = 0 ]; check "$cxx -std=c++$std -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror: examples/cpp_client.cpp $what" $?
  done
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
