#!/bin/bash
# CPU time of HealthView::set_config() on an unchanged reload (host, no root).
# See set_config_time.cpp.
# usage: bench/healthcheck/set_config_time.sh BUILD_DIR [SERVICES REALS [http] [RELOADS]]
#   BUILD_DIR: a build with the lvsd_daemon libraries (ninja lvsd).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "$1")
shift
[ $# -gt 0 ] || set -- 1000 10
src=${SRC_DIR:-$(cd "$here/../.." && pwd)}
work=$(mktemp -d /tmp/lvsd-setconfig.XXXXXX)
trap 'rm -rf "$work"' EXIT
b=$build
libs=("$b/daemon/liblvsd_daemon.a" "$b/control/liblvsd_control.a" "$b/vrrp/liblvsd_vrrp.a"
  "$b/director/liblvsd_director.a" "$b/healthcheck/liblvsd_healthcheck.a" "$b/conf/liblvsd_conf.a"
  "$b/core/liblvsd_core.a")
c++ -std=c++20 -O2 -I"$src" -I"$b/generated" -isystem /usr/include/libnl3 -o "$work/set_config_time" \
  "$here/set_config_time.cpp" "${libs[@]}" -lhiredis -lev -lyaml -lnl-genl-3 -lnl-3 -lmnl -ldl
"$work/set_config_time" "$@"
