# Sourced by the benchmarks that run inside ONE user-mode-linux boot (the
# host kernel has no IPVS; Debian's user-mode-linux kernel has it as modules):
# the host filesystem as root, ip_vs and dummy loaded from /usr/lib/uml/modules
# through `modprobe -d` (the host's /lib/modules is not touched), a tmpfs /run
# of UML's own for everything the contenders write, and a dummy interface
# holding 10.0.0.1/8 so that IPVS accepts the 10.x destinations.
#
#   uml_require TOOL...          every TOOL, linux.uml and modprobe on PATH
#   uml_modroot OUT              OUT/modroot/lib/modules/VERSION -> the UML modules
#   uml_init_preamble OUT        the first part of OUT/init.sh (mounts, modules, d0)
#   uml_boot OUT MEM TIMEOUT     boots with OUT/init.sh as init; the console goes
#                                to OUT/console.log; fails when it did not boot or
#                                a module did not load
# Each prints what went wrong on stderr and returns 1.

uml_require() {
  local tool
  for tool in linux.uml modprobe "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool not found" >&2; return 1; }
  done
}

uml_modroot() {
  local moddir
  moddir=$(ls -d /usr/lib/uml/modules/*/ 2>/dev/null | head -n1)
  [ -n "$moddir" ] || { echo "no UML modules under /usr/lib/uml/modules" >&2; return 1; }
  mkdir -p "$1/modroot/lib/modules" || return 1
  rm -f "$1/done" "$1/booted" "$1/modules-failed"
  # modprobe -d ROOT looks for ROOT/lib/modules/<version>.
  ln -sfn "${moddir%/}" "$1/modroot/lib/modules/$(basename "$moddir")"
}

uml_init_preamble() {
  cat <<INIT
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
OUT='$1'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mkdir -p /run/bench /run/tmp /run/lvsd && export TMPDIR=/run/tmp
ip link set lo up
uname -r > "\$OUT/booted"
for m in ip_vs ip_vs_rr dummy; do
  modprobe -d "\$OUT/modroot" "\$m" 2>>"\$OUT/modules.log" || echo "\$m" >> "\$OUT/modules-failed"
done
ip link add d0 type dummy && ip addr add 10.0.0.1/8 dev d0 && ip link set d0 up
cd /run/bench
export IPVS_BENCH_MODROOT="\$OUT/modroot"
INIT
}

uml_boot() {
  local out=$1 mem=$2 timeout_s=$3 start rc
  chmod +x "$out/init.sh"
  echo "booting UML (results in $out) ..." >&2
  start=$(date +%s)
  timeout -k 10 "$timeout_s" linux.uml mem="$mem" rootfstype=hostfs rootflags=/ rw \
    init="$out/init.sh" con=null con0=fd:0,fd:1 </dev/null >"$out/console.log" 2>&1
  rc=$?
  echo "UML ran $(( $(date +%s) - start ))s (exit $rc)" >&2
  [ -f "$out/booted" ] || { tail -n 30 "$out/console.log" >&2; echo "UML did not boot" >&2; return 1; }
  [ -s "$out/modules-failed" ] && { echo "modules failed to load: $(cat "$out/modules-failed")" >&2; return 1; }
  return 0
}
