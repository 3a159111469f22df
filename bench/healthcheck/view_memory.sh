#!/bin/bash
# Heap bytes per real server held by conf::Config, HealthView (with its check
# subscriptions) and one table() copy, for a configuration (host, no probe
# runs, no root needed). See view_memory.cpp and bench/healthcheck.md.
# usage: bench/healthcheck/view_memory.sh BUILD_DIR [N]
#   BUILD_DIR: a build with the lvsd_daemon libraries (ninja lvsd).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "$1") n=${2:-2000}
src=${SRC_DIR:-$(cd "$here/../.." && pwd)}
work=$(mktemp -d /tmp/lvsd-viewmem.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 "$here/hc_bench.py" configs "$work" --reals "$n" >/dev/null
b=$build
c++ -std=c++20 -O2 -I"$src" -I"$b/generated" -isystem /usr/include/libnl3 \
  -o "$work/view_memory" "$here/view_memory.cpp" \
  "$b/daemon/liblvsd_daemon.a" "$b/control/liblvsd_control.a" "$b/vrrp/liblvsd_vrrp.a" \
  "$b/director/liblvsd_director.a" "$b/healthcheck/liblvsd_healthcheck.a" "$b/conf/liblvsd_conf.a" \
  "$b/core/liblvsd_core.a" -lhiredis -lev -lyaml -lnl-genl-3 -lnl-3 -lmnl -ldl
"$work/view_memory" "$work/lvsd-$n.yaml"
