#!/bin/bash
# The scale curve (issue 19): keepalived, lvsd reading keepalived.conf, lvsd
# reading the YAML `lvsctl import-keepalived` makes of it, and `ipvsadm -R`,
# at 1,000 to 100,000 destinations, in ONE user-mode-linux boot: programming,
# a no-change reload, a one-weight reload, `lvsctl list` vs `ipvsadm -Ln` and
# USS per destination, each contender from a freshly loaded ip_vs and timed
# the same way. bench/scale_curve.py does the measuring; see
# bench/scale-curve.md.
#
# usage: bench/scale-curve.sh [BUILD_DIR] [--out DIR] [--sizes LIST] [--mem SIZE]
#                             [--step-timeout SECONDS] [--timeout SECONDS]
#   BUILD_DIR (default ./build) holds daemon/lvsd and cli/lvsctl.
#   --sizes: N (N/10 services of 10 real servers) or SxR, comma-separated
#   (default 1000,10000,50000,100000,1000x100).
#   --out DIR (default: a new /var/tmp/lvsd-curve.XXXXXX): inputs, logs,
#   results.json, report.md, scale-curve.png, host-load.txt.
#   --step-timeout: one programming or reload longer than this is recorded
#   as "timeout" (default 600 s); --timeout bounds the whole boot.
# Run it as root. Needs python3, keepalived, ipvsadm, kmod, user-mode-linux and,
# for the plot, python3-matplotlib (apt-get install python3-matplotlib).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/uml-lib.sh"
build=./build out="" sizes=1000,10000,50000,100000,1000x100 mem=3072M step_timeout=600 timeout_s=6000
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --step-timeout) step_timeout=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "scale-curve: unknown argument $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done

fail() { echo "scale-curve: $*" >&2; exit 1; }
build=$(realpath "$build") || fail "no build directory"
lvsd=$build/daemon/lvsd lvsctl=$build/cli/lvsctl
[ -x "$lvsd" ] || fail "$lvsd is missing"
[ -x "$lvsctl" ] || fail "$lvsctl is missing"
uml_require keepalived ipvsadm python3 || fail "missing tools"
if [ -z "$out" ]; then out=$(mktemp -d /var/tmp/lvsd-curve.XXXXXX); fi
out=$(realpath -m "$out")
mkdir -p "$out/inputs" || fail "cannot create $out"
rm -f "$out/results.json" "$out/measure.log" "$out/measure.rc"
uml_modroot "$out" || fail "no UML modules"

python3 "$here/scale_curve.py" configs "$out/inputs" --sizes "$sizes" --lvsctl "$lvsctl" \
  || fail "cannot write the configurations"

{
  uml_init_preamble "$out"
  # The measuring process is UML's init (PID 1) from here on: keepalived, its
  # child, then sends systemd's READY=1 at the end of a reload (see
  # scale_curve.py); it writes OUT/done and powers UML off itself.
  echo "exec python3 '$here/scale_curve.py' measure --inputs \"\$OUT/inputs\" --work-root /run/bench \\"
  echo "  --results \"\$OUT/results.json\" --lvsd '$lvsd' --lvsctl '$lvsctl' --sizes '$sizes' \\"
  echo "  --step-timeout $step_timeout --total-timeout $((timeout_s - 120)) > \"\$OUT/measure.log\" 2>&1"
} > "$out/init.sh"

# The host's load while UML runs (the machine is shared).
(while :; do echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)"; sleep 30; done) > "$out/host-load.txt" &
sampler=$!
uml_boot "$out" "$mem" "$timeout_s"
booted=$?
kill "$sampler"
[ "$booted" = 0 ] || fail "UML failed (console: $out/console.log)"
[ -f "$out/done" ] || fail "UML stopped before the benchmark finished (console: $out/console.log)"
[ -s "$out/results.json" ] || { cat "$out/measure.log" >&2; fail "no results"; }

python3 "$here/scale_curve.py" report "$out/results.json" | tee "$out/report.md"
plotter=python3
[ -x /usr/bin/python3 ] && plotter=/usr/bin/python3  # Debian's python3-matplotlib
$plotter "$here/scale_curve.py" plot "$out/results.json" "$out/scale-curve.png" \
  || echo "scale-curve: no plot (apt-get install python3-matplotlib)" >&2
grep -q '"errors": \[\]' "$out/results.json"
