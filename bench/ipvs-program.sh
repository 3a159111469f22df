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
for tool in linux.uml keepalived ipvsadm modprobe python3; do
  command -v "$tool" >/dev/null || fail "$tool not found"
done
moddir=$(ls -d /usr/lib/uml/modules/*/ 2>/dev/null | head -n1)
[ -n "$moddir" ] || fail "no UML modules under /usr/lib/uml/modules"
kver=$(basename "$moddir")

if [ -z "$out" ]; then out=$(mktemp -d /var/tmp/lvsd-bench.XXXXXX); fi
out=$(realpath -m "$out")
mkdir -p "$out/inputs" "$out/modroot/lib/modules" || fail "cannot create $out"
rm -f "$out/results.json" "$out/done" "$out/booted" "$out/measure.log"
# modprobe -d ROOT looks for ROOT/lib/modules/<version>: point it at the UML
# modules without touching the host's /lib/modules.
ln -sfn "${moddir%/}" "$out/modroot/lib/modules/$kver"

python3 "$here/ipvs_bench.py" configs "$out/inputs" --services "$services" --reals "$reals" \
  || fail "cannot write the configurations"

cat > "$out/init.sh" <<INIT
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
OUT='$out'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Everything the contenders write (logs, pid and state files, their copy of
# the configs) lives on this tmpfs of UML's own, not on the host.
mount -t tmpfs tmpfs /run
mkdir -p /run/bench /run/tmp && export TMPDIR=/run/tmp
ip link set lo up
uname -r > "\$OUT/booted"
for m in ip_vs ip_vs_rr dummy; do
  modprobe -d "\$OUT/modroot" "\$m" 2>>"\$OUT/modules.log" || echo "\$m" >> "\$OUT/modules-failed"
done
# IPVS wants destinations it can route to: a dummy interface holds 10/8.
ip link add d0 type dummy && ip addr add 10.0.0.1/8 dev d0 && ip link set d0 up
cd /run/bench
IPVS_BENCH_MODROOT="\$OUT/modroot" timeout -k 10 $((timeout_s - 60)) python3 '$here/ipvs_bench.py' measure --inputs "\$OUT/inputs" --work /run/bench \\
  --results "\$OUT/results.json" --lvsd '$lvsd' --lvsctl '$lvsctl' \\
  --services $services --reals $reals --order '$order' > "\$OUT/measure.log" 2>&1
echo \$? > "\$OUT/measure.rc"
cp /run/bench/*.log "\$OUT/" 2>/dev/null
echo done > "\$OUT/done"
sync
poweroff -f
INIT
chmod +x "$out/init.sh"

echo "booting UML (results in $out) ..." >&2
start=$(date +%s)
timeout -k 10 "$timeout_s" linux.uml mem="$mem" rootfstype=hostfs rootflags=/ rw \
  init="$out/init.sh" con=null con0=fd:0,fd:1 </dev/null >"$out/console.log" 2>&1
uml_rc=$?
echo "UML ran $(( $(date +%s) - start ))s (exit $uml_rc)" >&2

[ -f "$out/booted" ] || { tail -n 30 "$out/console.log" >&2; fail "UML did not boot"; }
[ -s "$out/modules-failed" ] && fail "modules failed to load: $(cat "$out/modules-failed")"
[ -f "$out/done" ] || fail "UML stopped before the benchmark finished (console: $out/console.log)"
[ -s "$out/results.json" ] || { cat "$out/measure.log" >&2; fail "no results"; }
[ "$(cat "$out/measure.rc")" = 0 ] || { cat "$out/measure.log" >&2; echo "ipvs-program: measure exited $(cat "$out/measure.rc")" >&2; }

python3 "$here/ipvs_bench.py" report "$out/results.json" | tee "$out/report.txt"
grep -q '"errors": \[\]' "$out/results.json"
