#!/bin/sh
# Failover benchmark: lvsd vs keepalived 2.2.7 in the same netns topology,
# 20 runs each at VRRPv2 advert_int 1 s and VRRPv3 advert_int 100 ms.
# Needs root. Usage: bench/failover/run.sh [BUILD_DIR] [RUNS] [OUT_DIR]
# BUILD_DIR must hold tests/vrrp_interop/vrrp_interop_failover_bench and
# daemon/lvsd (cmake --build BUILD_DIR --target vrrp_interop_failover_bench).
set -eu
build=${1:-build}
runs=${2:-20}
out=${3:-bench/failover/results}
bench="$build/tests/vrrp_interop/vrrp_interop_failover_bench"
export LVSD_BINARY="${LVSD_BINARY:-$build/daemon/lvsd}"
[ -x "$bench" ] || { echo "missing $bench" >&2; exit 1; }
mkdir -p "$out"
csv="$out/failover.csv"
echo "impl,version,advert_ms,run,vip_ms,tcp_ms" > "$csv"
# Interleaved per setting, so both implementations see the same machine load.
subnet=200
for setting in "2 1000" "3 100"; do
  set -- $setting
  for impl in lvsd keepalived; do
    subnet=$((subnet + 1))
    echo "== $impl VRRPv$1 advert_int $2 ms, $runs runs" >&2
    "$bench" "$impl" "$1" "$2" "$runs" "$subnet" >> "$csv"
  done
done
python3 "$(dirname "$0")/summarize.py" "$csv" | tee "$out/summary.md"
