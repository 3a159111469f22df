#!/bin/bash
# Memory per real server, lvsd vs keepalived, as the IPVS table grows: RSS,
# PSS and USS (from /proc/PID/smaps_rollup) at 1, 1,000, 10,000 and 50,000
# destinations, both contenders in ONE user-mode-linux boot (the host kernel
# has no IPVS). The boot is bench/ipvs-program.sh's; the measuring is
# bench/memory.py's (see it for the definitions). See bench/README.md.
#
# usage: bench/memory.sh [BUILD_DIR] [--out DIR] [--sizes LIST] [--reloads N]
#                        [--resync-wait SECONDS] [--resyncs N] [--timeout SECONDS] [--lvsd-static BINARY]
#   BUILD_DIR (default ./build) holds daemon/lvsd.
#   --sizes: destinations per step, the first being the baseline
#   (default 1,1000,10000,50000; each a multiple of 10 above 10).
#   --reloads N (default 3): one-weight reloads after the reading, each
#   daemon's faults per reload and its memory after them (0: none).
#   --resync-wait S (default 35): then S seconds later once more, after
#   lvsd's first periodic resync (every 30 s by default; 0: not).
#   --resyncs N (default 1): read again after each of N resyncs (30 s apart).
#   --out DIR (default: a new /var/tmp/lvsd-memory.XXXXXX) receives the
#   configurations, the logs, results.json and report.txt.
#   --lvsd-static: a second lvsd binary measured the same way (e.g. one built
#   with -DLVSD_STATIC_DEPS=ON, or an older build), for comparison.
# Run it as root. Needs python3, keepalived, ipvsadm, kmod and user-mode-linux.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/uml-lib.sh"
build=./build out="" sizes=1,1000,10000,50000 reloads=3 resync_wait=35 resyncs=1 timeout_s=1500 mem=2048M static_lvsd=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --reloads) reloads=$2; shift 2 ;;
    --resync-wait) resync_wait=$2; shift 2 ;;
    --resyncs) resyncs=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --lvsd-static) static_lvsd=$(realpath "$2"); shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "memory: unknown argument $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done

fail() { echo "memory: $*" >&2; exit 1; }
build=$(realpath "$build") || fail "no build directory"
lvsd=$build/daemon/lvsd
[ -x "$lvsd" ] || fail "$lvsd is missing"
uml_require keepalived ipvsadm python3 || fail "missing tools"

if [ -z "$out" ]; then out=$(mktemp -d /var/tmp/lvsd-memory.XXXXXX); fi
out=$(realpath -m "$out")
mkdir -p "$out" || fail "cannot create $out"
rm -f "$out/results.json" "$out/measure.log"
uml_modroot "$out" || fail "no UML modules"

{ uml_init_preamble "$out"; cat <<INIT
STATIC='$static_lvsd'
timeout -k 10 $((timeout_s - 60)) python3 '$here/memory.py' measure \\
  --work /run/bench --results "\$OUT/results.json" --lvsd '$lvsd' --sizes '$sizes' --reloads '$reloads' --resync-wait '$resync_wait' --resyncs '$resyncs' \\
  \${STATIC:+--lvsd-static "\$STATIC"} > "\$OUT/measure.log" 2>&1
echo \$? > "\$OUT/measure.rc"
for d in /run/bench/*/; do mkdir -p "\$OUT/logs/\$(basename "\$d")" && cp "\$d"*.log "\$OUT/logs/\$(basename "\$d")/" 2>/dev/null; done
echo done > "\$OUT/done"
sync
poweroff -f
INIT
} > "$out/init.sh"
uml_boot "$out" "$mem" "$timeout_s" || fail "UML failed (console: $out/console.log)"
[ -f "$out/done" ] || fail "UML stopped before the benchmark finished (console: $out/console.log)"
[ -s "$out/results.json" ] || { cat "$out/measure.log" >&2; fail "no results"; }
[ "$(cat "$out/measure.rc")" = 0 ] || { cat "$out/measure.log" >&2; echo "memory: measure exited $(cat "$out/measure.rc")" >&2; }

python3 "$here/memory.py" report "$out/results.json" | tee "$out/report.txt"
grep -q '"errors": \[\]' "$out/results.json"
