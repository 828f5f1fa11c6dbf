# wps.h build. Outputs go to build/.  `make test` is the whole test suite.
CC      ?= cc
WARN    := -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
CXXWARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
B       := build
TEST_SRC := tests/main.c tests/test_codec.c tests/test_second_tu.c tests/test_fast_path.c tests/test_client.c tests/test_crypto.c \
            tests/test_tokens.c tests/test_rest.c tests/test_webhooks.c
DEPS    := wps.h tests/harness.h tools/wps/cli_util.h
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := codec_decode codec_decode_no_reasons codec_fast_path codec_rendered client client_snapshot connstr webhooks rest_response rest_build verify emulator
NODE_MODULES := tests/diff/node_modules/@azure/web-pubsub-client/package.json

.PHONY: all test unit diff valgrind fuzz fuzz-build bench clean deps setup soak demo install uninstall size coverage

# Debian packages the tests, fuzzing and benchmarks need. `make setup` installs the missing ones
# (as root, or through sudo) and the pinned npm packages; `make test` calls it first.
APT_PACKAGES := gcc g++ gcc-multilib make clang libclang-rt-14-dev valgrind libcjson-dev libwebsockets-dev libwslay-dev nodejs npm cmake pkg-config gcc-arm-none-eabi libnewlib-arm-none-eabi python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

all: $(B)/wps $(B)/wps-emulator

$(B):
	@mkdir -p $(B)

# the wps tool; `wps connect` uses libwebsockets (libwebsockets-dev) through examples/adapters/lws_adapter.c
WPS_TOOL_SRC := tools/wps/wps.c tools/wps/connect.c tools/wps/service_cli.c examples/adapters/lws_adapter.c
WPS_TOOL_DEPS := $(WPS_TOOL_SRC) wps.h tools/wps/cli_util.h examples/adapters/lws_adapter.h examples/adapters/wps_adapter.h
# wps-emulator: a local Web PubSub service over libwebsockets (emulator/emulator.c)
EMULATOR_SRC := emulator/emulator.c emulator/emulator_core.c
$(B)/wps-emulator: $(EMULATOR_SRC) emulator/emulator_core.h wps.h | $(B)
	$(CC) $(WARN) -O2 -o $@ $(EMULATOR_SRC) -lwebsockets

$(B)/wps-emulator-san: $(EMULATOR_SRC) emulator/emulator_core.h wps.h | $(B)
	clang $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $(EMULATOR_SRC) -lwebsockets

$(B)/wps: $(WPS_TOOL_DEPS) | $(B)
	$(CC) $(WARN) -O2 -o $@ $(WPS_TOOL_SRC) -lwebsockets

$(B)/tests-gcc: $(TEST_SRC) $(DEPS) | $(B)
	gcc $(WARN) -O2 -g -o $@ $(TEST_SRC)

$(B)/tests-clang: $(TEST_SRC) $(DEPS) | $(B)
	clang $(WARN) -O2 -g -o $@ $(TEST_SRC)

$(B)/tests-san: $(TEST_SRC) $(DEPS) | $(B)
	clang $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -o $@ $(TEST_SRC)

$(B)/tests-portable: $(TEST_SRC) $(DEPS) | $(B)
	clang $(WARN) -DWPS_NO_SIMD -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $(TEST_SRC)

# -march=native: the widest SIMD paths this machine has (AVX2 where present), under ASan+UBSan.
$(B)/tests-native: $(TEST_SRC) $(DEPS) | $(B)
	clang $(WARN) -march=native -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $(TEST_SRC)

# The size build (WPS_SMALL: no decode fast path, no forced inlining; what -Os selects): same tests.
$(B)/tests-small: $(TEST_SRC) $(DEPS) | $(B)
	clang $(WARN) -DWPS_SMALL -Os -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $(TEST_SRC)

# `make size`: code size for Cortex-M0+, Cortex-M4 and x86-64 (tests/size/size.sh; SIZE_ENFORCE=1
# fails when a size target is missed; a forbidden libc or 64-bit division symbol always fails),
# then the worst-case stack per entry point on Cortex-M4 (tests/size/stack.py; STACK_ENFORCE=1).
size:
	bash tests/size/size.sh

# `make coverage`: line and branch coverage of wps.h from the unit tests, the scenarios and the short
# soak (clang source-based coverage); fails below COVERAGE_MIN % of branches (default 90)
coverage:
	bash tests/coverage.sh

$(B)/tests-cxx: $(TEST_SRC) $(DEPS) | $(B)
	g++ -x c++ $(CXXWARN) -O2 -o $@ $(TEST_SRC)

# A 32-bit target (size_t and pointers of 4 bytes, as on Cortex-M): gcc-multilib, from make setup.
$(B)/tests-m32: $(TEST_SRC) $(DEPS) | $(B)
	gcc -m32 $(WARN) -O1 -g -o $@ $(TEST_SRC)

$(B)/quickstart: examples/quickstart.c wps.h | $(B)
	$(CC) $(WARN) -O2 -o $@ examples/quickstart.c

# wps_client driven from a C++11 class (tests/packaging.sh compiles it as C++11 to C++20 too)
$(B)/cpp-client: examples/cpp_client.cpp wps.h | $(B)
	g++ -std=c++11 $(CXXWARN) -O2 -o $@ examples/cpp_client.cpp

$(B)/static-build: tests/static_build.c wps.h | $(B)
	gcc $(WARN) -O2 -o $@ tests/static_build.c

# the codec alone (WPS_NO_CLIENT, WPS_NO_SERVICE): the smallest build, for MCUs
$(B)/codec-only: tests/static_build.c wps.h | $(B)
	gcc $(WARN) -Os -DWPS_NO_CLIENT -DWPS_NO_SERVICE -o $@ tests/static_build.c

$(B)/wps-san: $(WPS_TOOL_DEPS) | $(B)
	clang $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $(WPS_TOOL_SRC) -lwebsockets

# wslay_chat: wps_client in a 60 Hz loop over the wslay adapter (examples/adapters/, libwslay-dev)
WSLAY_CHAT_SRC := examples/wslay_chat.c examples/adapters/wslay_posix.c
WSLAY_CHAT_DEPS := $(WSLAY_CHAT_SRC) examples/adapters/wslay_posix.h examples/adapters/wps_adapter.h wps.h tools/wps/cli_util.h
$(B)/wslay_chat: $(WSLAY_CHAT_DEPS) | $(B)
	$(CC) $(WARN) -O2 -o $@ $(WSLAY_CHAT_SRC) -lwslay

$(B)/wslay_chat-san: $(WSLAY_CHAT_DEPS) | $(B)
	clang $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $(WSLAY_CHAT_SRC) -lwslay

# The ESP-IDF adapter (examples/adapters/esp_idf/) on Linux, against stubs of the few ESP-IDF
# declarations it uses (tests/stubs/esp_idf/); gcc compiles it too, for its warnings.
ESP_TEST_SRC := tests/esp_adapter_test.c examples/adapters/esp_idf/wps_esp_websocket.c tests/stubs/esp_idf/esp_idf_stub.c
$(B)/esp-adapter-test: $(ESP_TEST_SRC) $(wildcard examples/adapters/esp_idf/*.h tests/stubs/esp_idf/*.h tests/stubs/esp_idf/freertos/*.h) examples/adapters/wps_adapter.h wps.h tests/harness.h | $(B)
	gcc $(WARN) -O2 -Itests/stubs/esp_idf -c -o /dev/null examples/adapters/esp_idf/wps_esp_websocket.c
	clang $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Itests/stubs/esp_idf -o $@ $(ESP_TEST_SRC)

# WPS_NO_REASONS beside the default build (tests/no_reasons_main.c, tests/no_reasons.c): the same
# statuses, offsets and sizes, reasons without their sentences; gcc and g++ compile it too.
NO_REASONS_SRC := tests/no_reasons_main.c tests/no_reasons.c
$(B)/no-reasons: $(NO_REASONS_SRC) tests/no_reasons.h tests/harness.h wps.h | $(B)
	gcc $(WARN) -O2 -c -o /dev/null tests/no_reasons.c
	gcc $(WARN) -O2 -c -o /dev/null tests/no_reasons_main.c
	printf '#define WPS_IMPLEMENTATION\n#include "wps.h"\n' | g++ -std=c++11 $(CXXWARN) -O2 -DWPS_NO_REASONS -I. -c -x c++ -o /dev/null -
	clang $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $(NO_REASONS_SRC)

# Chaos soak of the client against a simulated service (tests/soak.c).
$(B)/soak: tests/soak.c wps.h | $(B)
	$(CC) $(WARN) -O2 -g -o $@ tests/soak.c

$(B)/soak-san: tests/soak.c wps.h | $(B)
	clang $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ tests/soak.c

SOAK_MESSAGES ?= 1000000
SOAK_DISCONNECTS ?= 10000
soak: $(B)/soak
	@for s in 1 2 3; do ./$(B)/soak --seed $$s --messages $(SOAK_MESSAGES) --disconnects $(SOAK_DISCONNECTS) || exit 1; done
	@for s in 1 2 3; do ./$(B)/soak --seed $$s --embedded --messages $(SOAK_MESSAGES) --disconnects $(SOAK_DISCONNECTS) || exit 1; done

unit: $(B)/tests-gcc $(B)/tests-clang $(B)/tests-san $(B)/tests-portable $(B)/tests-native $(B)/tests-small $(B)/tests-cxx $(B)/tests-m32 $(B)/static-build $(B)/codec-only $(B)/quickstart $(B)/cpp-client $(B)/soak-san $(B)/esp-adapter-test $(B)/no-reasons $(B)/bench
	@echo "== unit tests (gcc)";           ./$(B)/tests-gcc
	@echo "== unit tests (clang)";         ./$(B)/tests-clang
	@echo "== unit tests (ASan+UBSan)";    ./$(B)/tests-san
	@echo "== unit tests (WPS_NO_SIMD: portable C paths, ASan+UBSan)"; ./$(B)/tests-portable
	@echo "== unit tests (-march=native: AVX2 paths where the CPU has them, ASan+UBSan)"; ./$(B)/tests-native
	@echo "== unit tests (the size build: WPS_SMALL, -Os; ASan+UBSan)"; ./$(B)/tests-small
	@echo "== unit tests (compiled as C++)"; ./$(B)/tests-cxx
	@echo "== unit tests (32-bit: gcc -m32)"; ./$(B)/tests-m32
	@echo "== WPS_STATIC build";           ./$(B)/static-build
	@echo "== codec-only build (WPS_NO_CLIENT, WPS_NO_SERVICE)"; ./$(B)/codec-only
	@echo "== examples/quickstart.c";      ./$(B)/quickstart
	@echo "== examples/cpp_client.cpp (C++11)"; ./$(B)/cpp-client
	@echo "== packaging: make install, pkg-config, find_package, add_subdirectory; C++11-20 builds"; bash tests/packaging.sh
	@echo "== client chaos soak, short (ASan+UBSan; make soak runs the long one)"; ./$(B)/soak-san --seed 1
	@echo "== the same soak in the README's embedded configuration (borrowed payloads, frames decoded in place)"; ./$(B)/soak-san --seed 2 --embedded
	@echo "== the ESP-IDF adapter against stub ESP-IDF headers, the test playing the websocket task (ASan+UBSan)"; ./$(B)/esp-adapter-test
	@echo "== WPS_NO_REASONS beside the default build: same statuses and offsets, reasons without sentences (ASan+UBSan)"; ./$(B)/no-reasons
	@echo "== the README's code: its client and codec blocks compiled and run"; bash tests/readme_examples.sh
	@echo "== the docs explain themselves: no reference outside the repository, every relative link and anchor resolves"; python3 tests/docs_check.py
	@echo "== the header's map: contents, section tags in the same order twice, every public declaration documented"; python3 tests/header_check.py
	@echo "== no allocation in the implementation"; \
	  if sed -n '/^#ifdef WPS_IMPLEMENTATION/,$$p' wps.h | grep -nE '(^|[^_a-z])(malloc|calloc|realloc|free)[[:space:]]*\(' ; then \
	    echo "0 passed, 1 failed"; exit 1; else echo "1 passed, 0 failed"; fi

# Differential tests against @azure/web-pubsub-client 1.1.0 (pinned in tests/diff/package-lock.json).
$(NODE_MODULES): tests/diff/package.json tests/diff/package-lock.json
	cd tests/diff && npm ci --no-audit --no-fund
	@touch $@

deps: $(NODE_MODULES)

setup:
	@have_node=$$(command -v node >/dev/null && command -v npm >/dev/null && echo yes); \
	 missing=$$(for p in $(APT_PACKAGES); do \
	   case $$p in nodejs|npm) [ -n "$$have_node" ] && continue;; esac; \
	   dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	 if [ -n "$$missing" ]; then \
	   echo "== installing:" $$missing; \
	   $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	 fi
	@node -e 'const v=+process.versions.node.split(".")[0]; if (v < 18) { console.error("node " + process.version + " is too old: the differential tests need node >= 18"); process.exit(1) }'
	@$(MAKE) --no-print-directory $(NODE_MODULES)

diff: $(B)/wps $(B)/wps-san $(B)/wps-emulator-san $(B)/wslay_chat-san $(NODE_MODULES)
	@echo "== CLI contract (ASan+UBSan build)"
	bash tests/cli_test.sh $(B)/wps-san
	@echo "== differential tests vs @azure/web-pubsub-client"
	bash tests/diff/run.sh $(B)/wps-san
	@echo "== recorded behaviour of the official client replayed against wps_client (loopback)"
	node tests/record/record.mjs $(B)/wps-san
	@echo "== wps connect (libwebsockets) against the fake service, with a drop and recovery"
	node tests/record/connect_test.mjs $(B)/wps-san
	@echo "== wps connect when a recovery's upgrade stalls past libwebsockets' own timeout: the open is reported failed and retried"
	node tests/record/connect_stall_test.mjs $(B)/wps-san
	@echo "== wps token against @azure/web-pubsub 1.2.0 and jsonwebtoken"
	node tests/service/token_diff.mjs $(B)/wps-san
	@echo "== wps rest against @azure/web-pubsub 1.2.0's requests (capture server on loopback)"
	node tests/service/rest_diff.mjs $(B)/wps-san
	@echo "== wps webhook against @azure/web-pubsub-express 1.1.0 (signed requests in, its responses parsed back)"
	node tests/service/webhook_diff.mjs $(B)/wps-san
	@echo "== wps-emulator (ASan+UBSan) with the official SDKs and wps connect, unchanged (loopback)"
	node tests/emulator/interop.mjs $(B)/wps-san --emulator $(B)/wps-emulator-san
	@echo "== wss:// end to end: wps connect (lws adapter, OpenSSL) against wps-emulator's TLS, with a drop and recovery"
	node tests/emulator/tls.mjs $(B)/wps-san --emulator $(B)/wps-emulator-san
	@echo "== wps-emulator's upstream events against a local @azure/web-pubsub-express 1.1.0 handler"
	node tests/emulator/webhook.mjs $(B)/wps-emulator-san
	@echo "== wps-emulator soak: 200 reliable clients, 100,000 messages, 24 forced drops and recoveries, no loss, bounded memory"
	node tests/emulator/soak.mjs $(B)/wps-emulator
	@echo "== wps-emulator under hostile input (ASan+UBSan): specific answers, log lines, still up"
	node tests/emulator/hostile.mjs $(B)/wps-emulator-san
	@echo "== wps-emulator with a client that stops reading: memory stays bounded"
	node tests/emulator/slow_reader.mjs $(B)/wps-emulator-san
	@echo "== wps connect through wps-emulator (ASan+UBSan): 60 msg/s across 3 drops (1.5/3/5 s outages) arrive once, in order; a 1 MB REST binary arrives whole"
	node tests/emulator/ordered_delivery.mjs $(B)/wps-san --emulator $(B)/wps-emulator-san
	@echo "== the wslay adapter (ASan+UBSan) in a 60 Hz loop through wps-emulator: 40 msg/s across a forced drop (1.5 s outage) arrive once, in order; the upgrade handshake never blocks"
	node tests/emulator/wslay_adapter.mjs $(B)/wslay_chat-san --wps $(B)/wps-san --emulator $(B)/wps-emulator-san
	@echo "== make demo's script (ASan+UBSan builds)"
	node tools/demo.mjs $(B)/wps-san $(B)/wps-emulator-san > $(B)/demo.log 2>&1 && echo "1 passed, 0 failed" || { cat $(B)/demo.log; echo "0 passed, 1 failed"; exit 1; }

# `make demo`: the README's first command. wps-emulator on loopback, two `wps connect` clients
# and one official JS client in a group, a forced drop and recovery, a REST send; < 60 s.
demo: setup $(B)/wps $(B)/wps-emulator
	@node tools/demo.mjs $(B)/wps $(B)/wps-emulator

# `make test`: everything above, then the closing line of the whole run.
test: setup all
	@$(MAKE) --no-print-directory unit diff 2>&1 | tee $(B)/test.log; \
	  status=$${PIPESTATUS[0]}; \
	  p=$$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' $(B)/test.log | awk '{p+=$$1; f+=$$3} END {print p+0, f+0}'); \
	  set -- $$p; echo "$$1 passed, $$2 failed"; \
	  if [ $$status -ne 0 ] || [ "$$2" != "0" ]; then exit 1; fi
SHELL := /bin/bash

valgrind: $(B)/tests-gcc
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all -q ./$(B)/tests-gcc

# libFuzzer targets (clang). New inputs go to build/corpus/<target>; seeds live in fuzz/corpus/<target>.
$(B)/fuzz_%: fuzz/%.c wps.h | $(B)
	clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $<

# fuzz/codec_decode_no_reasons.c is fuzz/codec_decode.c built with WPS_NO_REASONS (its seeds:
# fuzz/corpus/codec_decode_no_reasons, a link to codec_decode's)
$(B)/fuzz_codec_decode_no_reasons: fuzz/codec_decode.c fuzz/fuzz_common.h

# fuzz/emulator.c includes the emulator's core
$(B)/fuzz_emulator: emulator/emulator_core.c emulator/emulator_core.h

fuzz-build: $(addprefix $(B)/fuzz_,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(B)/corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  ./$(B)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -print_final_stats=1 -artifact_prefix=$(B)/ \
	     -dict=fuzz/json.dict $(B)/corpus/$$t fuzz/corpus/$$t 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# Benchmarks (not tests): wps.h vs cJSON (libcjson-dev) vs the official JS parser, same frames.
# -DNDEBUG as in production builds: without it the client checks its invariants after every input.
$(B)/bench: bench/bench.c wps.h | $(B)
	$(CC) -std=c99 -O2 -march=native -DNDEBUG -o $@ bench/bench.c -lcjson

bench: $(B)/bench $(NODE_MODULES)
	./$(B)/bench $(B)/bench_frames.txt $(B)/bench_up.txt --js "node bench/bench_js.mjs"

clean:
	rm -rf $(B)

# `make install PREFIX=/opt/wps [DESTDIR=/staging]`: wps.h, a pkg-config file (wps.pc) and a
# CMake package (find_package(wps CONFIG) -> wps::wps). CMakeLists.txt installs the same files.
PREFIX ?= /usr/local
WPS_VERSION = $(shell sed -n 's/^\#define WPS_VERSION_STRING "\(.*\)"/\1/p' wps.h)
install:
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/wps
	install -m 644 wps.h $(DESTDIR)$(PREFIX)/include/wps.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@WPS_VERSION@|$(WPS_VERSION)|g' cmake/wps.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/wps.pc
	install -m 644 cmake/wpsConfig.cmake $(DESTDIR)$(PREFIX)/lib/cmake/wps/wpsConfig.cmake
	sed -e 's|@WPS_VERSION@|$(WPS_VERSION)|g' cmake/wpsConfigVersion.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/wps/wpsConfigVersion.cmake
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/wps.pc $(DESTDIR)$(PREFIX)/lib/cmake/wps/wpsConfigVersion.cmake

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/wps.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/wps.pc \
	  $(DESTDIR)$(PREFIX)/lib/cmake/wps/wpsConfig.cmake $(DESTDIR)$(PREFIX)/lib/cmake/wps/wpsConfigVersion.cmake
	-rmdir $(DESTDIR)$(PREFIX)/lib/cmake/wps 2>/dev/null
