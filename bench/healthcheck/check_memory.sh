#!/bin/bash
# Heap per HTTP_GET check inside the healthcheck library (check_memory.cpp),
# against http_sink on 127.0.0.1 (loopback only).
# usage: bench/healthcheck/check_memory.sh BUILD_DIR [N] [FIRST_PORT]
#   BUILD_DIR: a configured build of the tree whose sources are compiled
#   (lvsd_healthcheck and lvsd_core must be built in it); SRC_DIR
#   (default: this checkout) must be the tree that build came from.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "$1") n=${2:-1000} port=${3:-21000}
src=${SRC_DIR:-$(cd "$here/../.." && pwd)}
work=$(mktemp -d /tmp/lvsd-hcmem.XXXXXX)
sink_pid=""
trap '[ -n "$sink_pid" ] && kill $sink_pid 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -Wall -o "$work/http_sink" "$here/http_sink.c"
c++ -std=c++20 -O2 -I"$src" -I"$build/generated" \
  -o "$work/check_memory" "$here/check_memory.cpp" \
  "$build/healthcheck/liblvsd_healthcheck.a" "$build/core/liblvsd_core.a" \
  -lssl -lcrypto -lhiredis -lev
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$work/http_sink" 127.0.0.1 "$port" "$n" "$work" & sink_pid=$!
for _ in $(seq 100); do [ -f "$work/answered" ] && break; sleep 0.05; done
"$work/check_memory" "$n" "$port"
