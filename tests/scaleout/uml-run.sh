#!/bin/bash
# Runs one command inside a user-mode-linux boot (a kernel with IPVS), for
# bench/scale-out.sh and `scripts/demo --scale-out`. The kernel tier runs the
# scenario through tests/kernel/run-in-uml.sh instead (a gtest binary).
#
# usage: uml-run.sh --out DIR [--timeout SECONDS] [--mem SIZE] [--follow] -- COMMAND [ARG...]
#   The command's output goes to DIR/output.log (--follow: also to this
#   terminal as it comes); its exit status is this script's.
set -u
out="" timeout_s=1500 mem=2048M follow=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --follow) follow=1; shift ;;
    --) shift; break ;;
    *) echo "uml-run: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] && [ $# -gt 0 ] || { echo "usage: uml-run.sh --out DIR [--timeout S] [--mem SIZE] [--follow] -- COMMAND..." >&2; exit 2; }
fail() { echo "uml-run: $*" >&2; exit 1; }
uml=$(command -v linux.uml) || fail "linux.uml not found (apt-get install user-mode-linux)"
moddir=$(ls -d /usr/lib/uml/modules/*/ 2>/dev/null | head -n 1)
[ -n "$moddir" ] || fail "no UML modules under /usr/lib/uml/modules (apt-get install user-mode-linux)"
kver=$(basename "$moddir")

out=$(realpath -m "$out")
mkdir -p "$out/modroot/lib/modules" || fail "cannot create $out"
rm -f "$out/rc" "$out/modules-failed" "$out/modules.log"
ln -sfn "${moddir%/}" "$out/modroot/lib/modules/$kver"
: > "$out/output.log"
cmd=$(printf '%q ' "$@")
cat > "$out/init.sh" <<INIT
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mkdir -p /run/tmp && chmod 1777 /run/tmp
export TMPDIR=/run/tmp
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
ip link set lo up
for m in ip_vs ip_vs_rr ip_vs_mh veth bridge; do
  modprobe -d '$out/modroot' \$m 2>> '$out/modules.log' || echo \$m >> '$out/modules-failed'
done
if [ -s '$out/modules-failed' ]; then echo 1 > '$out/rc'; poweroff -f; fi
cd '$out' && bash -c '$cmd' >> '$out/output.log' 2>&1
echo \$? > '$out/rc'
sync
poweroff -f
INIT
chmod +x "$out/init.sh"

timeout -k 10 "$timeout_s" "$uml" mem="$mem" rootfstype=hostfs rootflags=/ rw \
  init="$out/init.sh" con=null con0=fd:0,fd:1 < /dev/null > "$out/console.log" 2>&1 &
uml_pid=$!
if [ $follow = 1 ]; then tail -n +1 -F --pid=$uml_pid "$out/output.log" 2>/dev/null; fi
wait $uml_pid
uml_rc=$?
if [ -s "$out/modules-failed" ]; then
  cat "$out/modules.log" >&2
  fail "modules failed to load in UML: $(tr '\n' ' ' < "$out/modules-failed")"
fi
if [ ! -f "$out/rc" ]; then
  tail -n 20 "$out/console.log" >&2
  [ $uml_rc -eq 124 ] && fail "UML timed out after ${timeout_s}s (files in $out)"
  fail "UML stopped before the command ended (exit $uml_rc; console in $out/console.log)"
fi
exit "$(cat "$out/rc")"
