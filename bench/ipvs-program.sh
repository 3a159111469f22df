#!/bin/bash
# IPVS programming benchmark: lvsd vs keepalived vs `ipvsadm -R`, side by side
# in ONE user-mode-linux boot (the host kernel has no IPVS; Debian's
# user-mode-linux 6.1 kernel has it as modules).
#
# 1,000 DR virtual services x 10 real servers (10,000 destinations), no health
# checks. Each contender starts from an empty table (ipvsadm -C in between).
# Measures: time to program the table, a no-change reload, a reload that
# changes one weight, `lvsctl list` vs
# `ipvsadm -Ln` on the full table, and resident memory. See bench/README.md.
#
# usage: bench/ipvs-program.sh [BUILD_DIR] [--out DIR] [--services N] [--reals M]
#                              [--order LIST] [--timeout SECONDS]
#   BUILD_DIR (default ./build) holds daemon/lvsd and cli/lvsctl.
#   --order: contenders in the order they run, from lvsd, keepalived, ipvsadm
#   (ipvsadm -R) and lvsd-quiet (lvsd --log-level warn); default
#   lvsd,keepalived,ipvsadm,lvsd-quiet.
#   --out DIR (default: a new /var/tmp/lvsd-bench.XXXXXX) receives the
#   configs, the init script, the logs of every contender, results.json and
#   report.txt. Nothing outside DIR is written: keepalived and lvsd keep their
#   pid and state files on a tmpfs inside UML.
# Run it as root: UML writes the results into DIR through hostfs as the host
# user. Needs python3, keepalived, ipvsadm, kmod and user-mode-linux.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/uml-lib.sh"
build=./build out="" services=1000 reals=10 timeout_s=600 mem=1536M
order=lvsd,keepalived,ipvsadm,lvsd-quiet
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --services) services=$2; shift 2 ;;
    --reals) reals=$2; shift 2 ;;
    --order) order=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "ipvs-program: unknown argument $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done

fail() { echo "ipvs-program: $*" >&2; exit 1; }
build=$(realpath "$build") || fail "no build directory"
lvsd=$build/daemon/lvsd lvsctl=$build/cli/lvsctl
[ -x "$lvsd" ] || fail "$lvsd is missing"
[ -x "$lvsctl" ] || fail "$lvsctl is missing"
uml_require keepalived ipvsadm python3 || fail "missing tools"

if [ -z "$out" ]; then out=$(mktemp -d /var/tmp/lvsd-bench.XXXXXX); fi
out=$(realpath -m "$out")
mkdir -p "$out/inputs" || fail "cannot create $out"
rm -f "$out/results.json" "$out/measure.log"
uml_modroot "$out" || fail "no UML modules"

python3 "$here/ipvs_bench.py" configs "$out/inputs" --services "$services" --reals "$reals" \
  || fail "cannot write the configurations"

# Everything the contenders write (logs, pid and state files, their copy of
# the configs) lives on UML's own tmpfs /run, not on the host.
{ uml_init_preamble "$out"; cat <<INIT
timeout -k 10 $((timeout_s - 60)) python3 '$here/ipvs_bench.py' measure --inputs "\$OUT/inputs" --work /run/bench \\
  --results "\$OUT/results.json" --lvsd '$lvsd' --lvsctl '$lvsctl' \\
  --services $services --reals $reals --order '$order' > "\$OUT/measure.log" 2>&1
echo \$? > "\$OUT/measure.rc"
cp /run/bench/*.log "\$OUT/" 2>/dev/null
echo done > "\$OUT/done"
sync
poweroff -f
INIT
} > "$out/init.sh"
uml_boot "$out" "$mem" "$timeout_s" || fail "UML failed (console: $out/console.log)"
[ -f "$out/done" ] || fail "UML stopped before the benchmark finished (console: $out/console.log)"
[ -s "$out/results.json" ] || { cat "$out/measure.log" >&2; fail "no results"; }
[ "$(cat "$out/measure.rc")" = 0 ] || { cat "$out/measure.log" >&2; echo "ipvs-program: measure exited $(cat "$out/measure.rc")" >&2; }

python3 "$here/ipvs_bench.py" report "$out/results.json" | tee "$out/report.txt"
grep -q '"errors": \[\]' "$out/results.json"
