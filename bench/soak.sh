#!/bin/bash
# Soak benchmark (issue #17): the seed's lvsd pair under client load for N
# minutes (30 by default) while faults are injected on a schedule, inside one
# user-mode-linux boot (the host kernel has no IPVS). On demand, not in CI.
#
# usage: bench/soak.sh [BUILD_DIR] [--out DIR] [--minutes N]
#
# BUILD_DIR (default ./build) holds daemon/lvsd and cli/lvsctl; they are
# copied to DIR/bin first, so rebuilding during a run changes nothing (a
# hitless restart re-executes the binary it was started from). The soak
# itself is bench/soak/run.sh (inside UML); bench/soak/check.py then judges
# the logs it wrote and prints every invariant with its figures. DIR defaults
# to a new /var/tmp/lvsd-soak.XXXXXX. See bench/soak.md.
#
# Exit status: 0 only if UML booted, the soak ran to its end and every
# invariant held.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=./build out="" minutes=30 mem=1536M
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "soak: unknown option $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
fail() { echo "soak: $*" >&2; exit 1; }
case "$minutes" in ''|*[!0-9]*) fail "--minutes wants a whole number" ;; esac
[ "$minutes" -ge 1 ] && [ "$minutes" -le 240 ] || fail "--minutes must be between 1 and 240"
build=$(realpath "$build") || fail "no build directory"
[ -x "$build/daemon/lvsd" ] && [ -x "$build/cli/lvsctl" ] || fail "$build/daemon/lvsd or $build/cli/lvsctl is missing"
for tool in linux.uml modprobe python3 ipvsadm busybox redis-server tc flock curl; do
  command -v "$tool" >/dev/null || fail "$tool not found"
done
moddir=$(ls -d /usr/lib/uml/modules/*/ 2>/dev/null | head -n1)
[ -n "$moddir" ] || fail "no UML modules under /usr/lib/uml/modules"
kver=$(basename "$moddir")

[ -n "$out" ] || out=$(mktemp -d /var/tmp/lvsd-soak.XXXXXX)
out=$(realpath -m "$out")
rm -rf "$out/log" "$out/booted" "$out/run.rc" "$out/modules-failed"
mkdir -p "$out/bin" "$out/log" "$out/modroot/lib/modules" || fail "cannot create $out"
ln -sfn "${moddir%/}" "$out/modroot/lib/modules/$kver"
cp "$build/daemon/lvsd" "$build/cli/lvsctl" "$out/bin/" || fail "cannot copy the binaries"
git -C "$here/.." rev-parse --short HEAD > "$out/commit" 2>/dev/null
git -C "$here/.." status --porcelain --untracked-files=no | grep -q . && echo "(+ uncommitted changes)" >> "$out/commit"

cat > "$out/init.sh" <<INIT
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
OUT='$out'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mkdir -p /run/tmp && export TMPDIR=/run/tmp
ip link set lo up
uname -r > "\$OUT/booted"
for m in ip_vs ip_vs_rr ip_vs_wrr veth bridge sch_prio sch_netem cls_u32; do
  modprobe -d "\$OUT/modroot" "\$m" 2>>"\$OUT/modules.log" || echo "\$m" >> "\$OUT/modules-failed"
done
if [ ! -s "\$OUT/modules-failed" ]; then
  timeout -k 10 $((minutes * 60 + 420)) bash '$here/soak/run.sh' --lvsd "\$OUT/bin/lvsd" --lvsctl "\$OUT/bin/lvsctl" \\
    --out "\$OUT/log" --minutes $minutes > "\$OUT/run.out" 2>&1
  echo \$? > "\$OUT/run.rc"
fi
sync
poweroff -f
INIT
chmod +x "$out/init.sh"

echo "soak: $minutes minutes in UML; results in $out" >&2
start=$(date +%s)
timeout -k 10 $((minutes * 60 + 600)) linux.uml mem="$mem" rootfstype=hostfs rootflags=/ rw \
  init="$out/init.sh" con=null con0=fd:0,fd:1 </dev/null >"$out/console.log" 2>&1
uml_rc=$?
echo "soak: UML ran $(( $(date +%s) - start )) s (exit $uml_rc)" >&2

[ -f "$out/booted" ] || { tail -n 30 "$out/console.log" >&2; fail "UML did not boot"; }
[ -s "$out/modules-failed" ] && fail "modules failed to load: $(tr '\n' ' ' < "$out/modules-failed")"
[ -f "$out/log/run.done" ] || { tail -n 20 "$out/run.out" >&2; fail "the soak stopped before its end (run.rc $(cat "$out/run.rc" 2>/dev/null))"; }
python3 "$here/soak/check.py" "$out/log" --minutes "$minutes" --json "$out/results.json" | tee "$out/report.txt"
exit "${PIPESTATUS[0]}"
