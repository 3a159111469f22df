#!/bin/bash
# Health-check cost benchmark: lvsd vs keepalived's checker process, side by
# side in ONE user-mode-linux boot (keepalived needs IPVS to start its
# checkers and lvsd needs it for virtual servers; the host kernel has none,
# Debian's user-mode-linux 6.1 kernel has it as modules).
#
# One NAT virtual server with N real servers 10.0.0.1:20000.., each checked
# with HTTP_GET / every 1 s (connect_timeout 1 s, down on the first failure).
# The N real servers are one process (http_sink.c) listening on N ports, so
# they cost the same whichever checker runs. Per contender and N: CPU seconds
# per 1,000 checks (utime+stime of the checking process over a window, checks
# counted by the servers), resident memory, syscalls per check (strace -c -f
# over another window), and the time from a server's death (its listener
# closed: connections refused) to its removal from the IPVS table. See
# bench/healthcheck.md.
#
# usage: bench/healthcheck/run.sh [BUILD_DIR] [--out DIR] [--reals N[,N...]]
#          [--order lvsd,keepalived] [--window S] [--kills K] [--strace S] [--timeout S]
#          [--baseline BUILD_DIR2] [--startup-timeout S]
#   BUILD_DIR (default ./build) holds daemon/lvsd.
#   --baseline: another build (e.g. before a change) run as contender
#   "lvsd-base" in the same boot; add it to --order (default then
#   lvsd-base,lvsd,keepalived).
#   --out DIR (default: a new /var/tmp/lvsd-hcbench.XXXXXX) receives the
#   configs, logs, strace summaries, results.json and report.txt.
# Run it as root. Needs cc, python3, keepalived, ipvsadm, strace, kmod and
# user-mode-linux.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../uml-lib.sh"
build=./build out="" reals=1000 order=lvsd,keepalived window=30 kills=5 strace_s=10
timeout_s=1800 mem=1536M baseline="" startup_s=300 order_set=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --reals) reals=$2; shift 2 ;;
    --order) order=$2; order_set=1; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --startup-timeout) startup_s=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    --strace) strace_s=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "hc-bench: unknown argument $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done

fail() { echo "hc-bench: $*" >&2; exit 1; }
build=$(realpath "$build") || fail "no build directory"
lvsd=$build/daemon/lvsd
[ -x "$lvsd" ] || fail "$lvsd is missing"
lvsd_base=""
if [ -n "$baseline" ]; then
  lvsd_base=$(realpath "$baseline")/daemon/lvsd
  [ -x "$lvsd_base" ] || fail "$lvsd_base is missing"
  [ -n "$order_set" ] || order=lvsd-base,lvsd,keepalived
fi
uml_require keepalived ipvsadm python3 strace cc || fail "missing tools"

if [ -z "$out" ]; then out=$(mktemp -d /var/tmp/lvsd-hcbench.XXXXXX); fi
out=$(realpath -m "$out")
mkdir -p "$out/inputs" || fail "cannot create $out"
rm -f "$out/results.json" "$out/measure.log"
uml_modroot "$out" || fail "no UML modules"

cc -O2 -Wall -o "$out/http_sink" "$here/http_sink.c" || fail "cannot build http_sink"
python3 "$here/hc_bench.py" configs "$out/inputs" --reals "$reals" || fail "cannot write the configurations"

# Logs, pid and state files live on UML's own tmpfs /run; the real servers'
# address is on its dummy interface.
{ uml_init_preamble "$out"; cat <<INIT
LVSD_BASE='$lvsd_base'
ulimit -n 65536
# Thousands of checks a second through loopback: room for TIME_WAIT sockets.
# Client ports stay out of the servers' 20000-29999.
sysctl -qw net.ipv4.ip_local_port_range="30000 65000" net.ipv4.tcp_tw_reuse=1
cd /run/bench
timeout -k 10 $((timeout_s - 60)) python3 '$here/hc_bench.py' measure --inputs "\$OUT/inputs" --work /run/bench \\
  --results "\$OUT/results.json" --lvsd '$lvsd' \${LVSD_BASE:+--lvsd-base "\$LVSD_BASE"} --startup-timeout '$startup_s' --sink "\$OUT/http_sink" --reals '$reals' --order '$order' \\
  --window '$window' --kills '$kills' --strace-seconds '$strace_s' > "\$OUT/measure.log" 2>&1
echo \$? > "\$OUT/measure.rc"
cp /run/bench/*.log /run/bench/strace-*.txt "\$OUT/" 2>/dev/null
echo done > "\$OUT/done"
sync
poweroff -f
INIT
} > "$out/init.sh"
uml_boot "$out" "$mem" "$timeout_s" || fail "UML failed (console: $out/console.log)"
[ -f "$out/done" ] || fail "UML stopped before the benchmark finished (console: $out/console.log)"
[ -s "$out/results.json" ] || { cat "$out/measure.log" >&2; fail "no results"; }
python3 "$here/hc_bench.py" report "$out/results.json" | tee "$out/report.txt"
grep -q '"errors": \[\]' "$out/results.json"
