#!/bin/bash
# Reload and scale (issue 19): keepalived, lvsd reading keepalived.conf and
# lvsd reading the YAML `lvsctl import-keepalived` makes of it, each timed the
# same way inside ONE user-mode-linux boot: from the process start (or the
# SIGHUP) until the kernel's IPVS table holds the result. Rounds interleave
# the contenders (the order rotates); every programming starts on a freshly
# loaded ip_vs. Then `-t` (check only) of the three, on the host, interleaved.
# bench/reload_scale.py does the measuring; see bench/reload-scale.md.
#
# usage: bench/reload-scale.sh [BUILD_DIR] [--out DIR] [--services N] [--reals M]
#                              [--rounds R] [--reloads K] [--timeout SECONDS] [--no-uml]
#   BUILD_DIR (default ./build) holds daemon/lvsd and cli/lvsctl.
#   --out DIR (default: a new /var/tmp/lvsd-reload.XXXXXX): inputs, results
#   (uml.json, host-check.json), report.txt.
#   --no-uml: only the host's -t comparison.
# Run it as root. Needs python3, keepalived, ipvsadm, kmod and user-mode-linux.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/uml-lib.sh"
build=./build out="" services=1000 reals=10 rounds=3 reloads=3 timeout_s=1500 mem=1536M uml=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --services) services=$2; shift 2 ;;
    --reals) reals=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --reloads) reloads=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --no-uml) uml=0; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "reload-scale: unknown argument $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done

fail() { echo "reload-scale: $*" >&2; exit 1; }
build=$(realpath "$build") || fail "no build directory"
lvsd=$build/daemon/lvsd lvsctl=$build/cli/lvsctl
[ -x "$lvsd" ] || fail "$lvsd is missing"
[ -x "$lvsctl" ] || fail "$lvsctl is missing"
uml_require keepalived ipvsadm python3 || fail "missing tools"

if [ -z "$out" ]; then out=$(mktemp -d /var/tmp/lvsd-reload.XXXXXX); fi
out=$(realpath -m "$out")
mkdir -p "$out/inputs" || fail "cannot create $out"
rm -f "$out/uml.json" "$out/measure.log"
uml_modroot "$out" || fail "no UML modules"

python3 "$here/reload_scale.py" configs "$out/inputs" --services "$services" --reals "$reals" \
  --lvsctl "$lvsctl" || fail "cannot write the configurations"

if [ "$uml" = 1 ]; then
  { uml_init_preamble "$out"; cat <<INIT
timeout -k 10 $((timeout_s - 60)) python3 '$here/reload_scale.py' measure \\
  --inputs "\$OUT/inputs" --work /run/bench --results "\$OUT/uml.json" --lvsd '$lvsd' --lvsctl '$lvsctl' \\
  --services $services --reals $reals --rounds $rounds --reloads $reloads > "\$OUT/measure.log" 2>&1
echo \$? > "\$OUT/measure.rc"
cp /run/bench/*.out "\$OUT/" 2>/dev/null
echo done > "\$OUT/done"
sync
poweroff -f
INIT
  } > "$out/init.sh"
  uml_boot "$out" "$mem" "$timeout_s" || fail "UML failed (console: $out/console.log)"
  [ -f "$out/done" ] || fail "UML stopped before the benchmark finished (console: $out/console.log)"
  [ -s "$out/uml.json" ] || { cat "$out/measure.log" >&2; fail "no results"; }
fi

python3 "$here/reload_scale.py" check-times --inputs "$out/inputs" --lvsd "$lvsd" --runs 7 \
  --results "$out/host-check.json" || fail "check-times failed"
reports=("$out/host-check.json")
[ "$uml" = 1 ] && reports=("$out/uml.json" "${reports[@]}")
python3 "$here/reload_scale.py" report "${reports[@]}" | tee "$out/report.txt"
[ "$uml" = 0 ] || grep -q '"errors": \[\]' "$out/uml.json"
